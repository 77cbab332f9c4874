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
        .target(name: "BatchTask", dependencies: ["JSON"]),
        // Manifests to desired tasks: vars, templates, matrix, expressions.
        .target(name: "Manifest", dependencies: [
            "Diagnostics", "YAML", "JSON", "BatchTask",
            .product(name: "OrderedCollections", package: "swift-collections"),
        ]),
        // The command line: commands and terminal rendering only.
        .executableTarget(name: "batchctl", dependencies: [
            "Diagnostics", "YAML", "JSON", "BatchTask", "Manifest",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        .testTarget(name: "DiagnosticsTests", dependencies: ["Diagnostics"]),
        .testTarget(name: "JSONTests", dependencies: ["JSON"]),
        .testTarget(name: "YAMLTests", dependencies: ["YAML", "JSON"]),
        .testTarget(name: "BatchTaskTests", dependencies: ["BatchTask", "JSON"]),
        .testTarget(name: "ManifestTests", dependencies: ["Manifest", "YAML", "JSON", "BatchTask", "Diagnostics"]),
        .testTarget(name: "EndToEndTests", dependencies: ["JSON"]),
    ],
    swiftLanguageModes: [.v6]
)
