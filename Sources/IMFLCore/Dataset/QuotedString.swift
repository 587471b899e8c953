import Foundation

extension String {
    /// The string as a double-quoted literal with backslash escapes (`\"`, `\\`, `\n`, `\r`,
    /// `\t`, and `\uXXXX` for other control characters and DEL). The same spelling is a valid
    /// string in JSON, in TOML and in llama.cpp's GBNF grammars, which is where imfl writes one.
    public var quotedLiteral: String {
        var out = "\""
        for scalar in unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                out += String(format: "\\u%04X", scalar.value)
            default:
                out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
