// swift-tools-version:6.0
// Fuzz targets for batchctl's parsers, built and run by run.sh (libFuzzer with AddressSanitizer); not part of
// `swift test`. Each target is a libFuzzer entry point: libFuzzer supplies `main`.
import PackageDescription

let batchctl: Target.Dependency = .product(name: "BatchctlFuzzable", package: "batchctl")

let package = Package(
    name: "batchctl-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "batchctl", path: ".."),
        // The emulator's filter compiles to SQL over GRDB's values; the same package and version the root uses.
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
    ],
    targets: [
        // Checks shared by the targets: a failed property stops the run with a message libFuzzer reports as a crash.
        .target(name: "FuzzCommon"),
        .executableTarget(name: "FuzzYAML", dependencies: ["FuzzCommon", batchctl]),
        .executableTarget(name: "FuzzManifest", dependencies: ["FuzzCommon", batchctl]),
        .executableTarget(name: "FuzzExpression", dependencies: ["FuzzCommon", batchctl]),
        .executableTarget(name: "FuzzJSON", dependencies: ["FuzzCommon", batchctl]),
        .executableTarget(name: "FuzzState", dependencies: ["FuzzCommon", batchctl]),
        .executableTarget(name: "FuzzPlanFile", dependencies: ["FuzzCommon", batchctl]),
        // The emulator's decoders of client input without its server: the sources are links to the files in
        // Sources/Emulator, beside a stand-in for its HTTP-bound APIError (the Emulator module itself would bring
        // Hummingbird and NIO into an instrumented build).
        .target(name: "EmulatorCodecs", dependencies: [batchctl, .product(name: "GRDB", package: "GRDB.swift")]),
        .executableTarget(name: "FuzzEmulator", dependencies: ["FuzzCommon", "EmulatorCodecs"]),
    ],
    swiftLanguageModes: [.v6]
)
