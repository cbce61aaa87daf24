import ArgumentParser
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "demo", abstract: "Run the county demo.")
    func run() async throws { print("demo: not yet") }
}
