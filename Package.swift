// swift-tools-version: 6.1
//
// Kiln: a file-driven GitOps reconciler for virtual-machine images.
//
// Modules depend one way only:
//   KilnYAML ← KilnSpec ← KilnSource (git, folders) ← KilnCatalog ← KilnPlanner ← KilnReconciler
//     ← KilnDrivers (over KilnBuilder, the qemu image pipeline), KilnServer ← KilnCLI
// KilnQuery (what API clients send: query strings, MWS queries, JSON) sits on KilnSpec, beneath KilnServer.
// System libraries (libyaml, libgit2, libarchive) come from Debian's -dev packages.
import PackageDescription

let strict: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny")
]

let package = Package(
    name: "kiln",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "kiln", targets: ["KilnCLI"]),
        .executable(name: "kiln-bench", targets: ["KilnBench"]),
        .executable(name: "kiln-fuzz", targets: ["KilnFuzz"])
    ],
    dependencies: [
        .package(
            url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: ["FullFoundation"]),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/swiftlang/swift-subprocess.git", from: "1.0.2"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-system.git", from: "1.8.1"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2")
    ],
    targets: [
        // System libraries.
        .systemLibrary(name: "CYAML", pkgConfig: "yaml-0.1", providers: [.apt(["libyaml-dev"])]),
        .systemLibrary(name: "CGit2", pkgConfig: "libgit2", providers: [.apt(["libgit2-dev"])]),
        .systemLibrary(name: "CArchive", pkgConfig: "libarchive", providers: [.apt(["libarchive-dev"])]),

        // Pure core.
        .target(name: "KilnYAML", dependencies: ["CYAML"], swiftSettings: strict),
        .target(
            name: "KilnSpec",
            dependencies: ["KilnYAML", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strict
        ),

        // What API clients send, read without a server: query strings, MWS queries and sorts, JSON. Pure, and fuzzed
        // on its own (Fuzz/).
        .target(name: "KilnQuery", dependencies: ["KilnSpec"], swiftSettings: strict),

        // Effects behind small protocols.
        .target(
            name: "KilnSource",
            dependencies: ["KilnSpec", "CGit2", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strict
        ),
        .target(
            name: "KilnCatalog",
            dependencies: [
                "KilnSpec", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log")
            ],
            swiftSettings: strict
        ),
        .target(name: "KilnPlanner", dependencies: ["KilnSpec", "KilnCatalog"], swiftSettings: strict),
        .target(
            name: "KilnReconciler",
            dependencies: [
                "KilnSpec", "KilnCatalog", "KilnPlanner",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")
            ],
            swiftSettings: strict
        ),
        // The qemu image pipeline: fetch, unpack, provision in a sandbox, make the disk, convert, verify.
        .target(
            name: "KilnBuilder",
            dependencies: [
                "KilnSpec", "CArchive",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "SystemPackage", package: "swift-system")
            ],
            swiftSettings: strict
        ),
        // Adapters from the reconciler's driver protocols to the real tools.
        .target(
            name: "KilnDrivers",
            dependencies: [
                "KilnSpec", "KilnSource", "KilnCatalog", "KilnReconciler", "KilnBuilder",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio")
            ],
            swiftSettings: strict
        ),
        .target(
            name: "KilnServer",
            dependencies: [
                "KilnSpec", "KilnQuery", "KilnCatalog", "KilnReconciler",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "KilnCLI",
            dependencies: [
                "KilnSpec", "KilnSource", "KilnCatalog", "KilnPlanner", "KilnReconciler", "KilnBuilder", "KilnDrivers",
                "KilnServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio")
            ],
            swiftSettings: strict
        ),
        // libFuzzer targets over what strangers send (`bash .ci/fuzz`); built the ordinary way it only says so.
        .systemLibrary(name: "CFuzzDriver"),
        .executableTarget(
            name: "KilnFuzz",
            dependencies: ["CFuzzDriver", "KilnYAML", "KilnSpec", "KilnQuery"],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "KilnBench",
            dependencies: [
                "KilnYAML", "KilnSpec", "KilnSource", "KilnBuilder", "KilnCatalog", "KilnReconciler",
                "KilnTestSupport", "KilnDrivers",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird")
            ],
            swiftSettings: strict
        ),

        // Test support: recording fakes of the driver protocols and helpers to make git repositories.
        .target(
            name: "KilnTestSupport",
            dependencies: [
                "KilnSpec", "KilnCatalog", "KilnReconciler",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio")
            ],
            swiftSettings: strict
        ),

        // End-to-end test support shared by test targets (which cannot depend on each other): scratch folders, git
        // repositories, data dirs seen through the real `kiln`, `kiln serve`, spec documents, convergence checks.
        .target(
            name: "KilnEndToEnd",
            dependencies: ["KilnSpec", "KilnTestSupport"],
            swiftSettings: strict
        ),

        .testTarget(name: "KilnYAMLTests", dependencies: ["KilnYAML"], swiftSettings: strict),
        .testTarget(
            name: "KilnSpecTests", dependencies: ["KilnSpec", "KilnYAML", "KilnTestSupport"], swiftSettings: strict),
        .testTarget(name: "KilnQueryTests", dependencies: ["KilnQuery", "KilnSpec"], swiftSettings: strict),
        .testTarget(
            name: "KilnSourceTests", dependencies: ["KilnSource", "KilnSpec", "KilnTestSupport"], swiftSettings: strict),
        .testTarget(
            name: "KilnCatalogTests",
            dependencies: [
                "KilnCatalog", "KilnSpec", "KilnTestSupport", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"), .product(name: "Logging", package: "swift-log")
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "KilnPlannerTests", dependencies: ["KilnPlanner", "KilnSpec", "KilnCatalog", "KilnTestSupport"],
            swiftSettings: strict),
        .testTarget(
            name: "KilnReconcilerTests",
            dependencies: [
                "KilnReconciler", "KilnPlanner", "KilnCatalog", "KilnSpec", "KilnTestSupport",
                .product(name: "GRDB", package: "GRDB.swift")
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "KilnBuilderTests", dependencies: ["KilnBuilder", "KilnSpec", "KilnTestSupport"],
            swiftSettings: strict),
        .testTarget(
            name: "KilnDriversTests",
            dependencies: [
                "KilnDrivers", "KilnBuilder", "KilnCatalog", "KilnReconciler", "KilnSpec", "KilnTestSupport",
                .product(name: "Logging", package: "swift-log")
            ],
            swiftSettings: strict),
        .testTarget(
            name: "KilnServerTests",
            dependencies: [
                "KilnServer", "KilnDrivers", .product(name: "Logging", package: "swift-log"), "KilnQuery",
                "KilnCatalog", "KilnPlanner", "KilnReconciler", "KilnSpec", "KilnTestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOPosix", package: "swift-nio"), .product(name: "Crypto", package: "swift-crypto")
            ], swiftSettings: strict),
        .testTarget(name: "KilnBenchTests", dependencies: ["KilnBench"], swiftSettings: strict),
        // The fault suite: SIGKILLs, power cuts, a full disk, damaged or old catalogs, two Kilns, failing remotes;
        // each case checks that recovery loses and duplicates nothing.
        .testTarget(
            name: "KilnFaultTests",
            dependencies: [
                "KilnCLI", "KilnSpec", "KilnCatalog", "KilnTestSupport", "KilnEndToEnd",
                .product(name: "GRDB", package: "GRDB.swift")
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "KilnCLITests",
            dependencies: [
                "KilnCLI", "KilnSpec", "KilnCatalog", "KilnTestSupport", "KilnEndToEnd",
                .product(name: "Crypto", package: "swift-crypto"), .product(name: "Logging", package: "swift-log")
            ], swiftSettings: strict)
    ]
)
