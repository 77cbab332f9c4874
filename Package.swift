// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "batchctl",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "batchctl", targets: ["batchctl"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        // libyaml, from the system (Debian: libyaml-dev).
        .systemLibrary(name: "CYAML", pkgConfig: "yaml-0.1", providers: [.apt(["libyaml-dev"])]),

        // Source positions, diagnostics and suggestions shared by every layer.
        .target(name: "Diagnostics"),
        // An ordered JSON value with a fast writer and parser.
        .target(name: "JSON", dependencies: [.product(name: "OrderedCollections", package: "swift-collections")]),
        // YAML files to positioned node trees (anchors, merge keys, includes, core schema).
        .target(name: "YAML", dependencies: ["CYAML", "Diagnostics"]),
        // The SuperOffice BatchTaskInfo model and its field classes.
        .target(name: "BatchTask", dependencies: ["JSON", .product(name: "OrderedCollections", package: "swift-collections")]),
        // Manifests to desired tasks: vars, templates, matrix, expressions.
        .target(name: "Manifest", dependencies: [
            "Diagnostics", "YAML", "JSON", "BatchTask",
            .product(name: "OrderedCollections", package: "swift-collections"),
        ]),
        // The BatchTask API emulator: `batchctl serve` and `--endpoint embedded`.
        .target(name: "Emulator", dependencies: [
            "BatchTask", "JSON",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // The command line: commands and terminal rendering only.
        .executableTarget(name: "batchctl", dependencies: [
            "Diagnostics", "YAML", "JSON", "BatchTask", "Manifest", "Emulator",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        .testTarget(name: "DiagnosticsTests", dependencies: ["Diagnostics"]),
        .testTarget(name: "JSONTests", dependencies: ["JSON"]),
        .testTarget(name: "YAMLTests", dependencies: ["YAML", "JSON"]),
        .testTarget(name: "BatchTaskTests", dependencies: ["BatchTask", "JSON"]),
        .testTarget(name: "ManifestTests", dependencies: ["Manifest", "YAML", "JSON", "BatchTask", "Diagnostics"]),
        .testTarget(name: "EmulatorTests", dependencies: [
            "Emulator", "BatchTask", "JSON",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "HummingbirdTesting", package: "hummingbird"),
        ]),
        .testTarget(name: "EndToEndTests", dependencies: ["JSON"]),
    ],
    swiftLanguageModes: [.v6]
)
