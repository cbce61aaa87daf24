import BaogongTestSupport
import Foundation
import Testing

/// `report daily --format xlsx`: the workbook opens in a real reader (openpyxl, Debian's
/// python3-openpyxl) with one sheet per section and the same figures as `--format csv`, numbers as
/// numbers and Chinese text intact; the CSV starts with a UTF-8 byte-order mark.
@Suite("End to end: the daily report as an Excel workbook", .serialized)
struct WorkbookTests {
    static let python = "/usr/bin/python3"

    /// Reads both files and compares them cell by cell; prints a JSON summary, or fails.
    static let compare = #"""
        csv, io, json, sys, openpyxl = map(__import__, ["csv", "io", "json", "sys", "openpyxl"])
        xlsx, csv_path = sys.argv[1], sys.argv[2]
        raw = open(csv_path, "rb").read()
        assert raw.startswith(b"\xef\xbb\xbf"), "no byte-order mark"
        rows = list(csv.reader(io.StringIO(raw[3:].decode("utf-8"))))
        sections, current = {}, None
        for row in rows[1:]:
            if not row:
                current = None
            elif current is None:
                assert row[0] == "section", row
                current = []
                header = row[1:]
            else:
                sections.setdefault(row[0], (header, []))[1].append(row[1:])
        book = openpyxl.load_workbook(xlsx)
        assert book.sheetnames == list(sections), (book.sheetnames, list(sections))
        numbers = texts = 0
        chinese = False
        for sheet in book.worksheets:
            header, body = sections[sheet.title]
            values = [[c.value for c in r] for r in sheet.iter_rows()]
            assert [v for v in values[0] if v is not None] == header, (sheet.title, values[0], header)
            assert len(values) - 1 == len(body), (sheet.title, len(values) - 1, len(body))
            for got, want in zip(values[1:], body):
                got = got + [None] * (len(want) - len(got))
                for g, w in zip(got, want):
                    if isinstance(g, (int, float)) and not isinstance(g, bool):
                        expected = float(w[:-1]) / 100 if w.endswith("%") else float(w)
                        assert abs(g - expected) < 1e-9, (sheet.title, g, w)
                        numbers += 1
                    elif g is None:
                        assert w in ("", "–"), (sheet.title, w)
                    else:
                        assert isinstance(g, str) and (g == w or "'" + g == w), (sheet.title, g, w)
                        chinese = chinese or any("\u4e00" <= ch <= "\u9fff" for ch in g)
                        texts += 1
        percent = book["reporting"]["C2"]
        print(json.dumps({"sheets": book.sheetnames, "numbers": numbers, "texts": texts, "chinese": chinese,
                          "percent_format": percent.number_format, "rice_type": type(book["supply"]["D2"].value).__name__}))
        """#

    @Test func theWorkbookHasTheCSVsFiguresAsNumbersOneSheetPerSection() throws {
        #expect(FileManager.default.isExecutableFile(atPath: Self.python))
        let reader = try run(Self.python, ["-c", "import openpyxl"])
        try #require(reader.status == 0, "Debian's python3-openpyxl is needed (.ci/run installs it): \(reader.stderr)")

        let dir = try Scratch()
        let demo = try run(Executables.hub, ["demo", "--exit", "--seed", "7", "--dir", dir.path("demo")], timeout: 300)
        try #require(demo.status == 0, "\(demo.stderr)")
        let hubDB = dir.path("demo/hub.sqlite")
        let (xlsx, csv) = (dir.path("report.xlsx"), dir.path("report.csv"))
        for (format, out) in [("xlsx", xlsx), ("csv", csv)] {
            let r = try run(Executables.hub, ["report", "daily", "--db", hubDB, "--date", "2020-02-10", "--format", format, "--out", out])
            #expect(r.status == 0, "\(format): \(r.stderr)")
        }
        let compared = try run(Self.python, ["-c", Self.compare, xlsx, csv])
        #expect(compared.status == 0, "\(compared.stderr)")
        let summary = try JSONSerialization.jsonObject(with: Data(compared.stdout.utf8)) as? [String: Any] ?? [:]
        #expect(summary["sheets"] as? [String] == ["supply", "alert", "reporting", "checkpoints", "matching", "deliveries", "passes", "stores"])
        #expect((summary["numbers"] as? Int ?? 0) > 300, "\(summary)")
        #expect(summary["chinese"] as? Bool == true, "Chinese text intact: \(summary)")
        #expect(summary["percent_format"] as? String == "0%")
        #expect(summary["rice_type"] as? String == "float", "stock on hand is a number, not text")

        // A workbook is never written to a terminal, and a bad format is refused with the accepted ones.
        let bad = try run(Executables.hub, ["report", "daily", "--db", hubDB, "--date", "2020-02-10", "--format", "xls"])
        #expect(bad.status == 2 && bad.stderr.contains("xlsx"), "\(bad.stderr)")
    }
}
