import Foundation

// baogong-bench: the release-mode benchmark of docs/performance.md. See `--help`.
let options: Options
do {
    options = try Options.parse(Array(CommandLine.arguments.dropFirst()))
} catch {
    FileHandle.standardError.write(Data("baogong-bench: \(error)\n".utf8))
    exit(2)
}
do {
    try await BenchRunner(options: options).run()
} catch {
    FileHandle.standardError.write(Data("baogong-bench: \(error)\n".utf8))
    exit(1)
}
