// swift-tools-version: 6.1
import PackageDescription

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
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
    ],
    targets: [
        // The system zlib (Debian: zlib1g-dev), for gzip bodies on the wire.
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", providers: [.apt(["zlib1g-dev"]), .brew(["zlib"])]),
        // Domain model, CRDTs, hybrid logical clock, wire protocol and the SQLite record store.
        .target(
            name: "BaogongShared",
            dependencies: [
                "CZlib", .product(name: "GRDB", package: "GRDB.swift"), .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ],
            path: "shared"
        ),
        // The store agent: local database, recording, outbox, sync client.
        .target(
            name: "BaogongAgent",
            dependencies: [
                "BaogongShared",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "agent"
        ),
        // The county hub: HTTP server, enrolment and auth, merge, county views, dashboard, reports.
        .target(
            name: "BaogongHub",
            dependencies: [
                "BaogongShared",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "hub"
        ),
        .executableTarget(
            name: "baogong-agent",
            dependencies: [
                "BaogongAgent",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "baogong-hub",
            dependencies: [
                "BaogongHub",
                "BaogongAgent",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "baogong-bench",
            dependencies: [
                "BaogongHub",
                "BaogongAgent",
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        .testTarget(
            name: "SharedTests",
            dependencies: [
                "BaogongShared",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]
        ),
        .testTarget(name: "AgentTests", dependencies: ["BaogongAgent"]),
        .testTarget(
            name: "HubTests",
            dependencies: [
                "BaogongHub",
                "BaogongAgent",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
        .testTarget(name: "EndToEndTests", dependencies: ["BaogongShared", "BaogongAgent", "BaogongHub"]),
    ],
    swiftLanguageModes: [.v6]
)
