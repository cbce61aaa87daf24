import BaogongModel
import Foundation

/// The matching desk of the source account (docs/design.md, "Supply channels"): who supplied whom,
/// how much, and when. Every figure reaches the board through the real path: posted at the sites,
/// synced, confirmed at the hub, accepted, received, synced again.
enum MatchingScenario {
    /// How the board groups suppliers, as the source account reports them.
    enum Group: String {
        case farm = "Farms and companies 农业企业和农场"
        case collectionPoint = "Village collection points 村级收购点"
        case grower = "Growers 种植户"
    }

    struct Supplier {
        var site: CountyScenario.Site
        var group: Group
    }

    static func supplier(_ id: String, _ name: String, _ zh: String, _ township: String, _ group: Group) -> Supplier {
        Supplier(
            site: CountyScenario.Site(id: id, name: name, nameChinese: zh, kind: .supplier, township: township, size: 0, devices: 1),
            group: group
        )
    }

    static let suppliers: [Supplier] = [
        supplier("qijia-gaofeng", "Qijia Gaofeng Agriculture", "齐家高峰农业", "Town", .farm),
        supplier("gaoze-coop", "Yongxing Gaoze co-operative", "永兴高泽合作社", "Gaoting", .farm),
        supplier("huitong-ecommerce", "Yongxing Huitong e-commerce", "永兴汇通电商", "Town", .farm),
        supplier("qianjin-farm", "Qianjin farm", "前进农场", "Bianjiang", .farm),
        supplier("woyuan-farm", "Woyuan farm", "沃源农场", "Taihe", .farm),
        supplier("bitang", "Bitang collection point", "碧塘村收购点", "Bitang", .collectionPoint),
        supplier("tangxia", "Tangxia collection point", "塘下村收购点", "Tangxia", .collectionPoint),
        supplier("chayuan", "Chayuan collection point", "茶园村收购点", "Chayuan", .collectionPoint),
        supplier("yangtang-grower", "Grower in Yangtang", "洋塘种植户", "Yangtang", .grower),
        supplier("smallholder", "Smallholder farmer", "散户农民", "Youshi", .grower),
    ]

    /// One delivery of the story: a need posted at `store`, an offer at `supplier`, confirmed at the hub
    /// `minutesToConfirm` after the need, received in full the same day.
    struct Delivery {
        var day: CalendarDate
        var supplier: String
        var store: String
        var commodity: String
        var variety: String?
        var quantity: Double
        var unit: CommodityUnit
        /// Hour the need is posted (China time); the offer is posted an hour earlier unless `offerFirst`.
        var hour: Int
        var minutesToConfirm: Int
        /// The supplier posted first and the store answered (the farmer's unsold cabbage).
        var offerFirst = false
        /// Received the next morning, after the board's day (the urgent cabbage on the last evening).
        var receivedNextDay = false
    }

    static func day(_ text: String) -> CalendarDate { try! CalendarDate(text) }

    /// 22,700 kg of rice and 30,500 kg of vegetables from farms to Duolefu, Yongjiang, Wanjiahe and
    /// Shengyuan; 26,800 kg of vegetables and 1,400 jin of scallion and garlic from collection points;
    /// Shengyuan's 3,000 jin of Chinese cabbage; a farmer's 1,000 jin of red cabbage stalks and 500 jin
    /// of Chinese cabbage.
    static let deliveries: [Delivery] = [
        Delivery(day: day("2020-01-28"), supplier: "gaoze-coop", store: "duolefu", commodity: "vegetables", quantity: 6_000, unit: .kg, hour: 8, minutesToConfirm: 50),
        Delivery(day: day("2020-01-30"), supplier: "huitong-ecommerce", store: "yongjiang", commodity: "vegetables", quantity: 5_500, unit: .kg, hour: 8, minutesToConfirm: 65),
        Delivery(day: day("2020-02-02"), supplier: "bitang", store: "bbg-daqiao", commodity: "vegetables", quantity: 9_000, unit: .kg, hour: 8, minutesToConfirm: 40),
        Delivery(day: day("2020-02-03"), supplier: "qijia-gaofeng", store: "duolefu", commodity: "rice", quantity: 5_000, unit: .kg, hour: 8, minutesToConfirm: 90),
        Delivery(day: day("2020-02-04"), supplier: "woyuan-farm", store: "wjh-north", commodity: "vegetables", quantity: 7_000, unit: .kg, hour: 8, minutesToConfirm: 35),
        Delivery(day: day("2020-02-05"), supplier: "qianjin-farm", store: "yongjiang", commodity: "rice", quantity: 4_200, unit: .kg, hour: 8, minutesToConfirm: 70),
        Delivery(day: day("2020-02-06"), supplier: "tangxia", store: "bbg-longmei", commodity: "vegetables", quantity: 10_300, unit: .kg, hour: 8, minutesToConfirm: 30),
        Delivery(day: day("2020-02-08"), supplier: "woyuan-farm", store: "wjh-north", commodity: "rice", quantity: 4_500, unit: .kg, hour: 8, minutesToConfirm: 55),
        Delivery(day: day("2020-02-09"), supplier: "bitang", store: "bbg-longmei", commodity: "vegetables", variety: "scallion", quantity: 800, unit: .jin, hour: 8, minutesToConfirm: 25),
        Delivery(day: day("2020-02-10"), supplier: "qijia-gaofeng", store: "shengyuan-2", commodity: "rice", quantity: 3_000, unit: .kg, hour: 8, minutesToConfirm: 45),
        Delivery(day: day("2020-02-12"), supplier: "qianjin-farm", store: "shengyuan-3", commodity: "vegetables", quantity: 5_000, unit: .kg, hour: 8, minutesToConfirm: 60),
        Delivery(day: day("2020-02-14"), supplier: "chayuan", store: "shengyuan-2", commodity: "vegetables", quantity: 7_500, unit: .kg, hour: 8, minutesToConfirm: 35),
        Delivery(day: day("2020-02-15"), supplier: "gaoze-coop", store: "wjh-south", commodity: "rice", quantity: 6_000, unit: .kg, hour: 8, minutesToConfirm: 80),
        Delivery(day: day("2020-02-16"), supplier: "chayuan", store: "duolefu", commodity: "vegetables", variety: "garlic", quantity: 600, unit: .jin, hour: 8, minutesToConfirm: 20),
        Delivery(day: day("2020-02-18"), supplier: "huitong-ecommerce", store: "wjh-south", commodity: "vegetables", quantity: 7_000, unit: .kg, hour: 8, minutesToConfirm: 45),
        Delivery(day: day("2020-02-22"), supplier: "smallholder", store: "bbg-daqiao", commodity: "vegetables", variety: "red cabbage stalks", quantity: 1_000, unit: .jin, hour: 10, minutesToConfirm: 14, offerFirst: true),
        Delivery(day: day("2020-02-22"), supplier: "smallholder", store: "bbg-daqiao", commodity: "vegetables", variety: "Chinese cabbage", quantity: 500, unit: .jin, hour: 10, minutesToConfirm: 17, offerFirst: true),
        // Shengyuan 1's supplier has failed since 20 Feb; on the 28th it posts an urgent need.
        Delivery(day: day("2020-02-28"), supplier: "yangtang-grower", store: "shengyuan-1", commodity: "vegetables", variety: "Chinese cabbage", quantity: 3_000, unit: .jin, hour: 19, minutesToConfirm: 8, receivedNextDay: true),
    ]
}
