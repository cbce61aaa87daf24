import BaogongAgent
import BaogongModel
import Foundation

/// A peer in the same run: Yrs (the Rust port of Yjs), through Python's `pycrdt`, applies the same
/// stock records as one update in memory. Only when pycrdt is importable: by the Python named in
/// `BAOGONG_PYCRDT_PYTHON`, or else `python3` (a virtual environment with `pip install pycrdt`).
/// Yrs keeps no database and sends nothing over a network here: its figure is a floor for a CRDT
/// library's merge, beside Baogong's durable, over-the-wire one.
enum YrsPeer {
    struct Figures {
        var version: String
        var records: Int
        var updateBytes: Int
        var applySeconds: Double
    }

    /// The script: builds one document holding every record as a map under its key, encodes it as one
    /// update, and times applying that update to an empty document (best of three).
    static let script = #"""
        json, sys, time = map(__import__, ["json", "sys", "time"])
        from pycrdt import Doc, Map
        from importlib.metadata import version
        records = [json.loads(line) for line in open(sys.argv[1], encoding="utf-8")]
        source = Doc()
        stock = source.get("stock", type=Map)
        with source.transaction():
            for r in records:
                stock[r["key"]] = Map(r["fields"])
        update = source.get_update()
        best = None
        for _ in range(3):
            target = Doc()
            started = time.perf_counter()
            target.apply_update(update)
            seconds = time.perf_counter() - started
            best = seconds if best is None else min(best, seconds)
        assert len(target.get("stock", type=Map)) == len(records)
        print(json.dumps({"version": version("pycrdt"), "records": len(records), "update_bytes": len(update), "apply_seconds": best}))
        """#

    static var python: String { ProcessInfo.processInfo.environment["BAOGONG_PYCRDT_PYTHON"] ?? "python3" }

    /// nil when pycrdt cannot be imported (the reason in `skipped`).
    static func measure(_ entries: [StockEntry], store: String, directory: URL) throws -> (Figures?, skipped: String?) {
        let probe = try Shell.run("/usr/bin/env", [python, "-c", "import pycrdt"])
        guard probe.status == 0 else {
            return (nil, "pycrdt is not importable by \(python) (pip install pycrdt, or set BAOGONG_PYCRDT_PYTHON)")
        }
        let file = directory.appendingPathComponent("yrs-records.jsonl")
        var lines = Data()
        for entry in entries {
            let fields = entry.fields.mapValues { value -> Any in
                switch value {
                case .int(let v): v
                case .real(let v): v
                case .text(let v): v
                case .null: NSNull()
                }
            }
            lines.append(try JSONSerialization.data(withJSONObject: ["key": entry.key(store: store), "fields": fields]))
            lines.append(0x0A)
        }
        try lines.write(to: file)
        let result = try Shell.run("/usr/bin/env", [python, "-c", script, file.path])
        guard result.status == 0,
            let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any],
            let version = json["version"] as? String, let records = json["records"] as? Int,
            let bytes = json["update_bytes"] as? Int, let seconds = json["apply_seconds"] as? Double
        else { throw BenchError("the pycrdt peer failed: \(result.stderr)") }
        return (Figures(version: version, records: records, updateBytes: bytes, applySeconds: seconds), nil)
    }
}
