// swift-tools-version:6.0
import PackageDescription

/// The numeric target is compiled with optimisation even in debug builds: a debug MiniLM
/// forward pass or k-means is more than an order of magnitude slower, which would make the
/// test suite and interactive use crawl.
let numericSettings: [SwiftSetting] = [.unsafeFlags(["-Ounchecked"])]

/// The C kernels likewise, and without floating-point contraction, so that the float dot
/// product sums in the order its source gives on every machine.
let kernelSettings: [CSetting] = [.unsafeFlags(["-O3", "-ffp-contract=off"])]

let package = Package(
    name: "imfl",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "imfl", targets: ["imfl"]),
        .library(name: "IMFLCore", targets: ["IMFLCore"]),
        .library(name: "IMFLTerminal", targets: ["IMFLTerminal"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.24.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/yaslab/CSV.swift", from: "2.5.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.81.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.0"),
    ],
    targets: [
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS"),
        .systemLibrary(name: "CNcursesw", path: "Sources/CNcursesw"),
        .target(name: "CKernels", cSettings: kernelSettings),
        .target(
            name: "IMFLNumerics",
            dependencies: ["CBLAS"],
            swiftSettings: numericSettings
        ),
        .target(
            name: "IMFLCore",
            dependencies: [
                "IMFLNumerics",
                "CKernels",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "TOMLKit", package: "TOMLKit"),
                .product(name: "CSV", package: "CSV.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ]
        ),
        .target(
            name: "IMFLTerminal",
            dependencies: ["IMFLCore", "CNcursesw", .product(name: "TOMLKit", package: "TOMLKit")]
        ),
        .executableTarget(
            name: "imfl",
            dependencies: [
                "IMFLCore",
                "IMFLTerminal",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Fakes shared by the test targets; no product and no executable depends on it.
        .target(name: "IMFLTestSupport", dependencies: ["IMFLCore", "IMFLNumerics"]),
        .testTarget(name: "IMFLNumericsTests", dependencies: ["IMFLNumerics"]),
        .testTarget(
            name: "IMFLCoreTests",
            dependencies: [
                "IMFLCore",
                "IMFLTestSupport",
                "CKernels",
                "IMFLNumerics",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .testTarget(name: "IMFLTerminalTests", dependencies: ["IMFLTerminal", "IMFLTestSupport"]),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["IMFLCore", "IMFLTerminal", .product(name: "GRDB", package: "GRDB.swift")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
