/// A notice from the command centre to every store (通知).
public struct Notice: Sendable, Hashable, Codable {
    public var id: String
    public var text: String
    public var postedAt: String?
    enum CodingKeys: String, CodingKey { case id, text, postedAt = "posted_at" }

    public init(id: String, text: String, postedAt: String?) {
        self.id = id
        self.text = text
        self.postedAt = postedAt
    }
}
