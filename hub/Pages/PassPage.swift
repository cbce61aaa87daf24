import BaogongModel
import Foundation

/// A green-channel pass to print (A5 or A4): the plate in large type, validity, store, driver, cargo,
/// route, and the code as a QR code any agent can verify with no network (`baogong-agent pass verify`).
struct PassPage {
    let pass: IssuedPass
    let storeName: String?
    let language: Language

    func render() throws -> String {
        let l = Labels(language: language)
        let qr = try QRCode(text: pass.code)
        let svg = HTML(trusted: qr.svg(moduleSize: 4, title: "\(l["pass_code"]) \(pass.id)"))
        func row(_ key: String, _ value: String?) -> HTML {
            guard let value, !value.isEmpty else { return "" }
            return "<tr><th>\(l.both(key))</th><td>\(value)</td></tr>\n"
        }
        let revoked: HTML = pass.revokedAt.map { "<p class=\"revoked\">\(l.both("revoked")) \($0)</p>\n" } ?? ""
        let page: HTML = """
            <!doctype html><html lang="\(language == .zh ? "zh-CN" : "en")"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(l["pass_title"]) \(pass.plate)</title>
            <style>
            @page{size:A5;margin:10mm}body{font-family:"Noto Sans CJK SC","Microsoft YaHei",system-ui,sans-serif;\
            max-width:130mm;margin:0 auto;padding:8mm;border:3px solid #15803d}
            h1{text-align:center;font-size:20pt;margin:0 0 4mm;color:#15803d}.plate{text-align:center;font-size:44pt;\
            font-weight:bold;letter-spacing:2pt;margin:2mm 0 4mm}table{width:100%;border-collapse:collapse}\
            th,td{border-bottom:1px solid #999;padding:2mm;text-align:left;font-size:11pt}th{width:40%}\
            .qr{text-align:center;margin:5mm 0 0}.code{font-family:monospace;font-size:7pt;word-break:break-all;color:#444}\
            .revoked{color:#b91c1c;font-weight:bold;text-align:center;font-size:16pt}
            </style></head><body>
            <h1>\(l.both("pass_title"))</h1>
            <p class="plate" id="plate">\(pass.plate)</p>
            \(revoked)<table><tbody>
            \(row("valid_from", pass.validFrom))\(row("valid_to", pass.validTo))\(row("store", storeName ?? pass.store))\
            \(row("driver", pass.driver))\(row("cargo", pass.cargo))\(row("route", pass.route))\(row("pass_id", pass.id))\
            </tbody></table>
            <div class="qr" id="qr">\(svg)</div>
            <p class="code" id="code">\(pass.code)</p>
            </body></html>

            """
        return page.description
    }
}
