import ArgumentParser
import BaogongModel
import Logging

// Closed sets of the domain as typed options: the parser refuses any other value and its message
// lists the accepted ones (for example `--kind shop`: "Please provide one of 'supermarket', 'market'
// and 'mall'").

extension StoreKind: ExpressibleByArgument {}

extension CommodityUnit: ExpressibleByArgument {
    /// Accepts what `CommodityUnit(parsing:)` accepts (any case; `litre` and `liter` for `L`).
    public init?(argument: String) { try? self.init(parsing: argument) }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
