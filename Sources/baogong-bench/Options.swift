/// Command-line options of `baogong-bench`, as `BenchCommand` parsed them.
struct Options: Sendable {
    static let allScenarios = ["merge", "sync", "noop", "agents", "scaling", "footprint", "views", "catchup", "import", "postgres"]

    var scenarios = Options.allScenarios
    var quick = false
    var jsonPath = "bench-results/results.json"
    var workDirectory: String?
    var keep = false
    /// Largest hub size of the scaling scenario.
    var scalingMax: Int?
    /// Where `baogong-agent` and `baogong-hub` are (default: beside this executable).
    var binDirectory: String
    /// `--profile-merge N`: run only the merge path (for a profiler) and exit.
    var profileMerge: Int?
    /// `--view-stores N`: stores of the views scenario (a province: 10K).
    var viewStores: Int?
    /// `--postgres URL`: a PostgreSQL server the `postgres` scenario may create databases on.
    var postgres: String?
}
