// swift-tools-version: 6.2
import PackageDescription

/// Every target: `any` spelled out, and a file sees only the modules it imports itself.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "Baogong",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "baogong-agent", targets: ["baogong-agent"]),
        .executable(name: "baogong-hub", targets: ["baogong-hub"]),
        .executable(name: "baogong-bench", targets: ["baogong-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    ],
    targets: [
        // The system zlib (Debian: zlib1g-dev), for gzip bodies on the wire.
        .systemLibrary(name: "CBaogongZlib", path: "Sources/CBaogongZlib", providers: [.apt(["zlib1g-dev"]), .brew(["zlib"])]),
        // The system libcurl (Debian: libcurl4-openssl-dev), the agent's HTTP(S) client.
        .systemLibrary(name: "CCurl", path: "Sources/CCurl", providers: [.apt(["libcurl4-openssl-dev"]), .brew(["curl"])]),
        // The pure model agent and hub share: CRDT types, hybrid logical clock, record-set schemas,
        // validation, the sync wire format. No database.
        .target(
            name: "BaogongModel",
            dependencies: ["CBaogongZlib", .product(name: "Crypto", package: "swift-crypto")],
            path: "shared/Model",
            swiftSettings: swiftSettings
        ),
        // The SQLite record store on GRDB: merge in transactions, change log, cursors, reference data.
        .target(
            name: "BaogongRecordStore",
            dependencies: [
                "BaogongModel",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ],
            path: "shared/Storage",
            swiftSettings: swiftSettings
        ),
        // HTTP(S) over the system libcurl: an agent calling its hub, a county hub calling its city hub.
        .target(name: "BaogongTransport", dependencies: ["CCurl"], path: "shared/Transport", swiftSettings: swiftSettings),
        // What both command-line tools share: exit codes, typed options, JSON output.
        .target(
            name: "BaogongCommandLine",
            dependencies: [
                "BaogongModel",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "shared/CommandLine",
            swiftSettings: swiftSettings
        ),
        // The store agent: local database, recording, outbox, sync client.
        .target(
            name: "BaogongAgent",
            dependencies: [
                "BaogongModel", "BaogongRecordStore", "BaogongTransport",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "agent",
            swiftSettings: swiftSettings
        ),
        // The county hub: HTTP server, enrolment and auth, merge, county views, dashboard, reports.
        .target(
            name: "BaogongHub",
            dependencies: [
                "BaogongModel", "BaogongRecordStore", "BaogongTransport",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdAuth", package: "hummingbird-auth"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOFoundationEssentialsCompat", package: "swift-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            path: "hub",
            swiftSettings: swiftSettings
        ),
        // The county demo: a real hub and one agent per store device, 24 Jan – 29 Feb 2020.
        .target(
            name: "BaogongDemo",
            dependencies: [
                "BaogongModel", "BaogongAgent", "BaogongHub",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "baogong-agent",
            dependencies: [
                "BaogongModel", "BaogongAgent", "BaogongCommandLine", "BaogongRecordStore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "baogong-hub",
            dependencies: [
                "BaogongModel", "BaogongHub", "BaogongDemo", "BaogongCommandLine", "BaogongRecordStore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "baogong-bench",
            dependencies: [
                "BaogongModel", "BaogongRecordStore", "BaogongHub", "BaogongAgent", "BaogongCommandLine",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // What several test targets share: fixtures, the executables' paths, a scratch folder.
        .target(
            name: "BaogongTestSupport",
            dependencies: [
                "BaogongModel", "BaogongRecordStore", "BaogongAgent", "BaogongHub",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            path: "Tests/Support",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SharedTests",
            dependencies: [
                "BaogongModel", "BaogongRecordStore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AgentTests",
            dependencies: [
                "BaogongModel", "BaogongRecordStore", "BaogongAgent", .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "HubTests",
            dependencies: [
                "BaogongModel", "BaogongRecordStore", "BaogongHub", "BaogongTestSupport",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                "BaogongModel", "BaogongRecordStore", "BaogongAgent", "BaogongHub", "BaogongTestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: swiftSettings
        ),
    ],
    swiftLanguageModes: [.v6]
)
