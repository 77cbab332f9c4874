// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "batchctl",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "batchctl", targets: ["batchctl"]),
        // The parsers and codecs the fuzz targets in fuzz/ drive; not an API of its own.
        .library(name: "BatchctlFuzzable", targets: ["Diagnostics", "YAML", "JSON", "BatchTask", "Schedule", "DesiredTasks", "Expressions", "Manifest", "State", "Planning"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/vapor/jwt-kit", from: "5.8.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.2"),
    ],
    targets: [
        // libyaml, from the system (Debian: libyaml-dev).
        .systemLibrary(name: "CYAML", pkgConfig: "yaml-0.1", providers: [.apt(["libyaml-dev"])]),

        // Source positions, diagnostics and suggestions shared by every layer.
        .target(name: "Diagnostics"),
        // An ordered JSON value with a fast writer and parser.
        .target(name: "JSON", dependencies: ["Diagnostics", .product(name: "OrderedCollections", package: "swift-collections")]),
        // YAML files to positioned node trees (anchors, merge keys, includes, core schema).
        .target(name: "YAML", dependencies: ["CYAML", "Diagnostics", "JSON"]),
        // The SuperOffice BatchTaskInfo model and its field classes.
        .target(name: "BatchTask", dependencies: ["JSON", "Schedule"]),
        // What the manifests ask for, expanded: desired tasks, their lifecycle and run policy, moves, selections.
        .target(name: "DesiredTasks", dependencies: ["Diagnostics", "JSON", "BatchTask", "Schedule", "State"]),
        // The `${...}` expression language: parser, compiler, evaluator, values and the built-in functions.
        .target(name: "Expressions", dependencies: [
            "Diagnostics", "JSON",
            .product(name: "OrderedCollections", package: "swift-collections"),
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        // Manifests and the project file to desired tasks: loading, vars, templates, matrix, the schema.
        .target(name: "Manifest", dependencies: [
            "Diagnostics", "YAML", "JSON", "BatchTask", "Schedule", "DesiredTasks", "Expressions", "State",
            .product(name: "OrderedCollections", package: "swift-collections"),
        ]),
        // Cron schedules in a time zone: next due times and missed runs.
        .target(name: "Schedule", dependencies: ["Diagnostics"]),
        // The state file, its journal and lock, behind a small backend interface.
        .target(name: "State", dependencies: ["Diagnostics", "JSON"]),
        // The shared state in PostgreSQL: rows, per-set leased locks, journal rows, history.
        .target(name: "PostgresState", dependencies: [
            "State",
            .product(name: "PostgresNIO", package: "postgres-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // The SuperOffice Online system-user sign-in as the client and the emulator both speak it: the JWT's claims,
        // the signed token's time, form encoding.
        .target(name: "SystemUserLogin", dependencies: [.product(name: "JWTKit", package: "jwt-kit")]),
        // The client of the BatchTask Web API: auth, retries, rate limits, lost answers.
        .target(name: "APIClient", dependencies: [
            "Diagnostics", "BatchTask", "JSON", "Schedule", "SystemUserLogin",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "NIOTLS", package: "swift-nio"),
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            .product(name: "JWTKit", package: "jwt-kit"),
            .product(name: "_CryptoExtras", package: "swift-crypto"),
        ]),
        // Plans: a pure function of desired tasks, state and live tasks; drift; saved plan files.
        .target(name: "Planning", dependencies: [
            "Diagnostics", "DesiredTasks", "State", "BatchTask", "JSON", "Schedule",
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        // Carrying out plans against the API: ordering, journaling, recovery of unknown outcomes, waiting.
        .target(name: "Reconcile", dependencies: ["Diagnostics", "Planning", "State", "APIClient", "DesiredTasks", "BatchTask", "JSON", "Schedule"]),
        // A service that serves HTTP in a service group of its own, handed over once it listens.
        .target(name: "Serving", dependencies: [
            "JSON",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "HummingbirdCore", package: "hummingbird"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
            .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
        ]),
        // The BatchTask API emulator: `batchctl serve` and `--endpoint embedded`.
        .target(name: "Emulator", dependencies: [
            "Diagnostics", "BatchTask", "JSON", "Schedule", "Serving", "SystemUserLogin",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "JWTKit", package: "jwt-kit"),
            .product(name: "_CryptoExtras", package: "swift-crypto"),
        ]),
        // `batchctl controller`: the reconcile loop, leadership, status, metrics, notifications and its HTTP server.
        .target(name: "Controller", dependencies: [
            "Diagnostics", "DesiredTasks", "Planning", "State", "APIClient", "Reconcile", "BatchTask", "JSON", "Serving",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "OrderedCollections", package: "swift-collections"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "Subprocess", package: "swift-subprocess"),
        ]),
        // What every front end opens: the endpoint and its connection, the state backend, the lock and signal guard.
        .target(name: "Session", dependencies: [
            "Diagnostics", "DesiredTasks", "Manifest", "State", "PostgresState", "APIClient", "BatchTask", "Emulator", "Planning", "Reconcile",
            "Schedule",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "UnixSignals", package: "swift-service-lifecycle"),
        ]),
        // Onboarding a tenant that already has tasks: the tasks read from the API written as a TaskSet that imports them.
        .target(name: "Onboarding", dependencies: ["Diagnostics", "JSON", "YAML", "BatchTask", "DesiredTasks", "Manifest", "Planning", "APIClient"]),
        // The command line: commands and terminal rendering only.
        .executableTarget(name: "batchctl", dependencies: [
            "Diagnostics", "JSON", "BatchTask", "DesiredTasks", "Manifest", "Emulator", "State", "Planning", "APIClient", "Reconcile", "Schedule", "Controller", "Session",
            "YAML", "Onboarding",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),

        // The measurements in Swift that benchmarks/run.sh takes: the YAML loader on a file, the API client's throughput.
        .executableTarget(name: "batchctl-bench", dependencies: [
            "YAML", "APIClient", "Emulator", "BatchTask", "JSON",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ], path: "benchmarks/Sources/batchctl-bench"),

        .testTarget(name: "DiagnosticsTests", dependencies: ["Diagnostics"]),
        .testTarget(name: "JSONTests", dependencies: ["JSON", .product(name: "OrderedCollections", package: "swift-collections")]),
        .testTarget(name: "YAMLTests", dependencies: ["YAML", "JSON", "Diagnostics"]),
        .testTarget(name: "BatchTaskTests", dependencies: ["BatchTask", "JSON"]),
        .testTarget(name: "ExpressionsTests", dependencies: [
            "Expressions", "JSON", .product(name: "OrderedCollections", package: "swift-collections"),
        ]),
        .testTarget(name: "ManifestTests", dependencies: ["Manifest", "DesiredTasks", "Expressions", "JSON", "BatchTask", "Diagnostics", "State"]),
        .testTarget(name: "ScheduleTests", dependencies: ["Schedule", "BatchTask"]),
        .testTarget(name: "StateTests", dependencies: ["State", "JSON"]),
        .testTarget(name: "SystemUserLoginTests", dependencies: ["SystemUserLogin", .product(name: "JWTKit", package: "jwt-kit")]),
        .testTarget(name: "APIClientTests", dependencies: [
            "APIClient", "Emulator", "BatchTask", "JSON", "Schedule", "Serving", "SystemUserLogin",
            .product(name: "_CryptoExtras", package: "swift-crypto"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "JWTKit", package: "jwt-kit"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
        ]),
        .testTarget(name: "PlanningTests", dependencies: ["Planning", "DesiredTasks", "Diagnostics", "State", "BatchTask", "JSON", "Schedule"]),
        .testTarget(name: "EmulatorTests", dependencies: [
            "Emulator", "BatchTask", "JSON", "Schedule", "SystemUserLogin",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "JWTKit", package: "jwt-kit"),
            .product(name: "_CryptoExtras", package: "swift-crypto"),
        ]),
        .testTarget(name: "ControllerTests", dependencies: [
            "Controller", "Planning", "State", "BatchTask", "JSON", "Serving", "APIClient", "DesiredTasks", "Diagnostics", "Reconcile",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "ReconcileTests", dependencies: [
            "Reconcile", "Planning", "State", "DesiredTasks", "APIClient", "Emulator", "BatchTask", "Diagnostics", "JSON", "Schedule",
        ]),
        .testTarget(name: "EndToEndTests", dependencies: [
            "JSON", "YAML", "PostgresTestSupport", .product(name: "_CryptoExtras", package: "swift-crypto"),
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        // Starts a PostgreSQL server of the tests' own (initdb, pg_ctl) and stops it by its pid.
        .target(name: "PostgresTestSupport", path: "Tests/PostgresTestSupport"),
        .testTarget(name: "SessionTests", dependencies: ["Session", "DesiredTasks", "Manifest", "State", "PostgresState", "Reconcile", "Diagnostics", "JSON", "BatchTask"]),
        .testTarget(name: "OnboardingTests", dependencies: ["Onboarding", "BatchTask", "DesiredTasks", "JSON", "Planning"]),
        .testTarget(name: "PostgresStateTests", dependencies: ["State", "PostgresState", "PostgresTestSupport", "JSON"]),
    ],
    swiftLanguageModes: [.v6]
)
