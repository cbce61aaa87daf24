@testable import BaogongHub
import BaogongModel
import Foundation
import Testing

/// Pages escape what they interpolate unless it is markup already: a forgotten call can no longer open an XSS hole.
@Suite("HTML escaping")
struct HTMLTests {
    typealias F = Fixture

    /// A value whose text is not a `String`, to show that any `CustomStringConvertible` is escaped.
    struct Tagged: CustomStringConvertible {
        var description: String { "<tag>" }
    }

    @Test(arguments: [("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("\"", "&quot;"), ("'", "&#39;")])
    func interpolatedTextIsEscaped(character: String, entity: String) {
        let page: HTML = "<p title=\"\(character)\">\(character)</p>"
        #expect(page.description == "<p title=\"\(entity)\">\(entity)</p>")
    }

    @Test func ordinaryTextIsUnchanged() {
        let page: HTML = "<p>\("大米 Rice 5.20 · –")</p>"
        #expect(page.description == "<p>大米 Rice 5.20 · –</p>")
    }

    @Test func substringsAreEscaped() {
        let text = "a<b>c".dropFirst()
        let page: HTML = "\(text)"
        #expect(page.description == "&lt;b&gt;c")
    }

    @Test func otherDescribedValuesAreEscaped() {
        let page: HTML = "\(Tagged())"
        #expect(page.description == "&lt;tag&gt;")
    }

    @Test func numbersAreInterpolatedAsText() {
        let page: HTML = "\(42) \(2.5)"
        #expect(page.description == "42 2.5")
    }

    /// A quote followed by a combining accent is one `Character` that is not `"`; escaping by character would
    /// let it close an attribute.
    @Test func aQuoteCarryingACombiningMarkIsStillEscaped() {
        let page: HTML = "<p title=\"\("\"\u{301} onclick=alert(1)")\">"
        #expect(page.description == "<p title=\"&quot;\u{301} onclick=alert(1)\">")
    }

    @Test func aStringLiteralInterpolatedAsAValueIsText() {
        let page: HTML = "\("<b>")"
        #expect(page.description == "&lt;b&gt;")
    }

    @Test func literalSegmentsAreMarkup() {
        let page: HTML = "<b class=\"x\">&amp;</b>"
        #expect(page.description == "<b class=\"x\">&amp;</b>")
    }

    @Test func nestedHTMLIsNotEscapedTwice() {
        let inner: HTML = "<b>\("Fish & chips")</b>"
        let outer: HTML = "<p>\(inner)</p>"
        #expect(outer.description == "<p><b>Fish &amp; chips</b></p>")
    }

    @Test func trustedMarkupIsInsertedVerbatim() {
        let css = HTML(trusted: "body{font-family:\"Noto Sans\"}a>b{color:red}")
        let page: HTML = "<style>\(css)</style>"
        #expect(page.description == "<style>body{font-family:\"Noto Sans\"}a>b{color:red}</style>")
    }

    @Test func joinedKeepsFragmentsAndSeparatorAsMarkup() {
        let items: [HTML] = ["a & b", "c"].map { "<li>\($0)</li>" }
        #expect(items.joined(separator: "<br>").description == "<li>a &amp; b</li><br><li>c</li>")
    }

    @Test func joinedWithoutSeparatorConcatenates() {
        let items: [HTML] = ["<i>1</i>", "<i>2</i>"]
        #expect(items.joined().description == "<i>1</i><i>2</i>")
    }

    // MARK: - Pages

    static let script = "<script>alert(1)</script>"
    static let breakout = "\"><img src=x onerror=alert(1)>"
    static let escapedScript = "&lt;script&gt;alert(1)&lt;/script&gt;"
    static let escapedBreakout = "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"

    /// Hostile text wherever people type it: store names (which also reach the alerts and the reporting lists),
    /// a commodity's names (table cells and SVG attributes) and a notice. Neither store reported.
    static func hostileSnapshot() -> CountySnapshot {
        let hostileCommodity = Commodity(id: "tea", unit: .kg, nameEnglish: breakout, nameChinese: breakout,
                                         minDays: 3)
        return CountySnapshot(
            date: F.date("2020-02-10"), asOf: F.instant("2020-02-10T12:00:00Z"),
            catalog: Commodity.defaults + [hostileCommodity],
            stores: [F.store("S01", name: script), F.store("S02", name: breakout)],
            notices: [Notice(id: "n1", text: script + breakout, postedAt: "2020-02-10T08:00:00Z")]
        )
    }

    /// A page rendered for a test, named by its page and language so that test reports stay short.
    struct RenderedPage: Sendable, CustomTestStringConvertible {
        let testDescription: String
        let text: String
    }

    /// Every HTML page built from the hostile snapshot, in both languages.
    static let hostilePages: [RenderedPage] = Language.allCases.flatMap { language in
        [
            RenderedPage(testDescription: "dashboard \(language)",
                         text: DashboardPage(snapshot: hostileSnapshot(), language: language).render()),
            RenderedPage(testDescription: "daily report \(language)",
                         text: DailyReport(snapshot: hostileSnapshot(), language: language).htmlPage()),
        ]
    }

    @Test(arguments: hostilePages)
    func noScriptTagReachesAPage(page: RenderedPage) {
        #expect(!page.text.contains("<script>"))
    }

    @Test(arguments: hostilePages)
    func noImageTagReachesAPage(page: RenderedPage) {
        #expect(!page.text.contains("<img"))
    }

    @Test(arguments: hostilePages)
    func theScriptIsShownAsText(page: RenderedPage) {
        #expect(page.text.contains(Self.escapedScript))
    }

    @Test(arguments: hostilePages)
    func theAttributeBreakoutIsShownAsText(page: RenderedPage) {
        #expect(page.text.contains(Self.escapedBreakout))
    }

    @Test func theDashboardAlertShowsTheStoreNameAsText() {
        let page = DashboardPage(snapshot: Self.hostileSnapshot(), language: .en).render()
        #expect(page.contains(">\(Self.escapedScript) has not reported for 2020-02-10</li>"))
    }

    @Test func theDailyReportAlertShowsTheStoreNameAsText() {
        let page = DailyReport(snapshot: Self.hostileSnapshot(), language: .en).htmlPage()
        #expect(page.contains("<li>\(Self.escapedBreakout) has not reported for 2020-02-10</li>"))
    }

    @Test func theDashboardNoticeIsShownAsText() {
        let page = DashboardPage(snapshot: Self.hostileSnapshot(), language: .en).render()
        #expect(page.contains("</time> \(Self.escapedScript)\(Self.escapedBreakout)</li>"))
    }

    @Test func aCommodityNameInAnSVGAttributeIsEscaped() {
        let page = DashboardPage(snapshot: Self.hostileSnapshot(), language: .en).render()
        #expect(page.contains("aria-label=\"\(Self.escapedBreakout)\""))
    }
}
