import BaogongModel
import Foundation

/// The dashboard's "供需对接 Matching" panel: open needs (urgent first), open offers, suggested pairs
/// with a confirm form for operators allowed to dispatch, recent matches and time to match.
///
/// The confirm form posts to `/matching/confirm` with the session's CSRF token; a viewer sees no
/// form (and the hub refuses the post with 403 all the same).
struct MatchingPanel {
    let snapshot: CountySnapshot
    let supply: SupplyView
    let labels: Labels
    /// What the signed-in operator may do; nil when the page is rendered for no one in particular.
    let role: OperatorRole?
    let csrfToken: String?
    /// Suggested pairs shown (the rest are in the API and the CLI).
    static let shownRows = 20

    func render() -> HTML {
        let l = labels
        let view = MatchingView(snapshot)
        let names = Dictionary(snapshot.stores.map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
        func name(_ id: String) -> String { names[id] ?? id }
        func commodity(_ id: String) -> String {
            guard let c = snapshot.catalog.first(where: { $0.id == id }) else { return id }
            return l.language == .zh ? c.nameChinese : c.nameEnglish
        }
        func unit(_ id: String) -> String { snapshot.catalog.first { $0.id == id }?.unit.rawValue ?? "" }
        func what(_ c: String, _ variety: String?) -> HTML { "\(commodity(c))\(variety.map { " · \($0)" } ?? "")" }

        let needs: [HTML] = view.openNeeds.prefix(Self.shownRows).map { n in
            """
            <tr data-need="\(n.id)"><td>\(name(n.store))</td><td>\(what(n.commodity, n.variety))</td>\
            <td class="num">\(fmt(n.remaining))</td><td>\(unit(n.commodity))</td><td>\(n.by ?? "–")</td></tr>

            """
        }
        let offers: [HTML] = view.openOffers.prefix(Self.shownRows).map { o in
            """
            <tr data-offer="\(o.id)"><td>\(name(o.store))</td><td>\(what(o.commodity, o.variety))</td>\
            <td class="num">\(fmt(o.remaining))</td><td>\(unit(o.commodity))</td><td>\(o.location ?? "–")</td>\
            <td>\(o.until ?? "–")</td></tr>

            """
        }
        let mayConfirm = role?.mayDispatch == true && csrfToken != nil
        let pairs: [HTML] = view.suggestions(supply: supply.stores).prefix(Self.shownRows).map { s in
            let form: HTML = mayConfirm ? """
                <form method="post" action="/matching/confirm" class="confirm">\
                <input type="hidden" name="need" value="\(s.store)/\(s.need)">\
                <input type="hidden" name="offer" value="\(s.supplier)/\(s.offer)">\
                <input type="hidden" name="csrf" value="\(csrfToken ?? "")">\
                <input type="hidden" name="lang" value="\(l.language.rawValue)">\
                <input type="number" name="quantity" value="\(fmt(s.quantity, 3))" min="0" step="any" \
                aria-label="\(l["quantity"])">\
                <button type="submit">\(l["confirm"])</button></form>
                """ : ""
            return """
                <tr class="suggestion" data-need="\(s.need)" data-offer="\(s.offer)"><td>\(name(s.store))</td>\
                <td>\(name(s.supplier))</td><td>\(what(s.commodity, s.variety))</td>\
                <td class="num">\(fmt(s.quantity))</td><td>\(s.unit)</td><td>\(s.reason)</td><td>\(form)</td></tr>

                """
        }
        let recent: [HTML] = view.matches().prefix(Self.shownRows).map { m in
            """
            <tr data-match="\(m.id)" data-status="\(m.status.rawValue)"><td>\(m.id)</td><td>\(name(m.supplier))</td>\
            <td>\(name(m.store))</td><td>\(what(m.commodity, m.variety))</td><td class="num">\(fmt(m.quantity))</td>\
            <td>\(m.unit)</td><td>\(l["match_status_\(m.status.rawValue)"])</td>\
            <td class="num">\(fmt(m.minutesToMatch, 0))</td></tr>

            """
        }
        let stats = view.stats()
        func table(_ id: String, _ headings: [String], _ rows: [HTML], empty: String) -> HTML {
            guard !rows.isEmpty else { return "<p class=\"empty\" id=\"\(id)-empty\">\(empty)</p>\n" }
            let head: [HTML] = headings.map { "<th>\(l[$0])</th>" }
            return """
                <div class="scroll"><table id="\(id)"><thead><tr>\(head.joined())</tr></thead><tbody>
                \(rows.joined())</tbody></table></div>

                """
        }
        let viewOnly: HTML = role?.mayDispatch == false ? "<p class=\"view-only\">\(l["view_only"])</p>\n" : ""
        let delivered: [HTML] = stats.delivered.sorted { $0.key < $1.key }.map { c, q in "\(commodity(c)) \(fmt(q)) \(unit(c))" }
        return """
            <p class="matching-summary">\(l["open_needs"]): \(stats.needsOpen) · \(l["open_offers"]): \(stats.offersOpen) \
            · \(l["recent_matches"]): \(stats.matches) · \(l["time_to_match"]) p50 \(fmt(stats.minutesToMatchP50, 0)) \
            / p90 \(fmt(stats.minutesToMatchP90, 0)) \(l["minutes"])\(delivered.isEmpty ? "" : " · \(l["matches_delivered"]): ")\
            \(delivered.joined(separator: ", "))</p>
            \(viewOnly)\
            <h3>\(l["suggested"])</h3>
            \(table("suggestions", ["store", "supplier", "variety", "quantity", "unit", "reason", "confirm"], pairs, empty: l["no_suggestions"]))\
            <h3>\(l["open_needs"])</h3>
            \(table("needs", ["store", "variety", "remaining", "unit", "need_by"], needs, empty: l["none_open"]))\
            <h3>\(l["open_offers"])</h3>
            \(table("offers", ["supplier", "variety", "available", "unit", "location", "until"], offers, empty: l["none_open"]))\
            <h3>\(l["recent_matches"])</h3>
            \(table("matches", ["id", "supplier", "store", "variety", "quantity", "unit", "status", "time_to_match"], recent, empty: l["none_open"]))
            """
    }
}
