import Foundation

/// BERT's uncased basic tokenizer: clean the text, space out CJK ideographs, strip accents,
/// lower-case, then split on whitespace and isolate punctuation. The steps and their order
/// follow the `BertNormalizer` and `BertPreTokenizer` of Hugging Face tokenizers, which is what
/// sentence-transformers runs for all-MiniLM-L6-v2, so the token ids come out identical.
///
/// Everything works on Unicode scalars, never on Swift `Character`s: BERT's rules are per code
/// point, and grapheme clusters (or canonical equivalence) would merge what BERT keeps apart.
public enum BasicTokenizer {
    /// The words of `text`, each as its Unicode scalars, after normalisation.
    public static func words(_ text: String) -> [[Unicode.Scalar]] {
        var words: [[Unicode.Scalar]] = []
        var current: [Unicode.Scalar] = []
        for scalar in normalize(text) {
            if scalar.properties.isWhitespace {
                if !current.isEmpty { words.append(current); current = [] }
            } else if isPunctuation(scalar) {
                if !current.isEmpty { words.append(current); current = [] }
                words.append([scalar])
            } else {
                current.append(scalar)
            }
        }
        if !current.isEmpty { words.append(current) }
        return words
    }

    /// Clean-up, CJK spacing, accent stripping and lower-casing, in that order.
    public static func normalize(_ text: String) -> [Unicode.Scalar] {
        // 1. Drop NUL, U+FFFD and other control/format/unassigned/private-use code points;
        //    tab, newline and carriage return (and any other whitespace) become a space.
        // 2. Surround CJK ideographs with spaces so each becomes its own word.
        var cleaned = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if scalar.value == 0 || scalar.value == 0xFFFD || isControl(scalar) { continue }
            if isWhitespace(scalar) {
                cleaned.append(" ")
            } else if isCJK(scalar) {
                cleaned.append(" ")
                cleaned.append(scalar)
                cleaned.append(" ")
            } else {
                cleaned.append(scalar)
            }
        }
        // 3. Canonical decomposition (NFD), then drop the non-spacing marks (the accents).
        // 4. Lower-case each code point on its own (full mapping, no context rules).
        let decomposed = String(cleaned).decomposedStringWithCanonicalMapping
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(decomposed.unicodeScalars.count)
        for scalar in decomposed.unicodeScalars where scalar.properties.generalCategory != .nonspacingMark {
            let properties = scalar.properties
            if properties.changesWhenLowercased {
                out.append(contentsOf: properties.lowercaseMapping.unicodeScalars)
            } else {
                out.append(scalar)
            }
        }
        return out
    }

    /// Whitespace for BERT: the Unicode White_Space property (which includes \t, \n, \r).
    static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.isWhitespace
    }

    /// Control for BERT: general category Cc, Cf, Cn, Co or Cs, except \t, \n and \r (those
    /// count as whitespace).
    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09, 0x0A, 0x0D: return false
        default: break
        }
        switch scalar.properties.generalCategory {
        case .control, .format, .unassigned, .privateUse, .surrogate: return true
        default: return false
        }
    }

    /// Punctuation for BERT: every ASCII non-alphanumeric printable character (so `$`, `+`,
    /// `<`, `^`, `|` count) plus the Unicode punctuation categories Pc, Pd, Ps, Pe, Pi, Pf, Po.
    static func isPunctuation(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 33...47, 58...64, 91...96, 123...126: return true
        default: break
        }
        switch scalar.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation:
            return true
        default:
            return false
        }
    }

    /// The CJK Unified Ideographs blocks BERT treats as single-character words (Hangul and
    /// kana are not among them, as in the original BERT code).
    static func isCJK(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F,
             0x2B740...0x2B81F, 0x2B820...0x2CEAF, 0xF900...0xFAFF, 0x2F800...0x2FA1F:
            return true
        default:
            return false
        }
    }
}
