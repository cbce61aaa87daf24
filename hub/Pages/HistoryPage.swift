import BaogongModel
import Foundation

/// One record's writes as a page (审计), linked from the dashboard's store × commodity grid: who
/// wrote what and when, and which value stands, so a disputed figure can be traced to its device.
struct HistoryPage {
    let set: String
    let key: String
    let writes: [RecordWrite]
    let language: Language

    func render() -> String {
        let l = Labels(language: language)
        var rows = [HTML]()
        for write in writes {
            let values: [HTML] = write.fields.keys.sorted().map { name in
                let won = write.won[name] == true
                return "<span class=\"\(won ? "won" : "lost")\">\(name) = \(write.fields[name]!.description) \(won ? "✓" : "✗")</span> "
            }
            rows.append("""
                <tr><td>\(write.time)</td><td>\(write.replica)</td><td>\(write.seq.map { "#\($0)" } ?? l["lost_on_arrival"])</td>\
                <td>\(values.joined())</td></tr>

                """)
        }
        let page: HTML = """
            <!doctype html><html lang="\(language == .zh ? "zh-CN" : "en")"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(l["history"]) \(set) \(key)</title>
            <style>
            body{font-family:"Noto Sans CJK SC","Microsoft YaHei",system-ui,sans-serif;margin:1.5rem;color:#111}\
            table{border-collapse:collapse}th,td{border-bottom:1px solid #ccc;padding:.3rem .6rem;text-align:left}\
            .won{color:#15803d;font-weight:bold}.lost{color:#b91c1c;text-decoration:line-through}
            </style></head><body>
            <h1>\(l.both("history"))</h1>
            <p><code id="record">\(set) \(key)</code> · \(l["history_note"])</p>
            <table id="history"><thead><tr><th>\(l["time"])</th><th>\(l["device"])</th><th>\(l["position"])</th>\
            <th>\(l["values"])</th></tr></thead><tbody>
            \(rows.joined())</tbody></table>
            <p><a href="/?lang=\(language.rawValue)">← \(l["dashboard"])</a></p>
            </body></html>

            """
        return page.description
    }
}
