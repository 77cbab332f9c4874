import JSON

/// A drift report as JSON, the `drift --output json` shape: `{"formatVersion", "managed", "drift"}`.
public enum DriftDocument {
    public static let formatVersion = 1

    public static func json(_ report: DriftReport) -> JSONValue {
        .object([
            "formatVersion": .int(Int64(formatVersion)),
            "managed": .int(Int64(report.managed)),
            "drift": .array(report.items.map(item)),
        ])
    }

    /// One item as both this document and a plan's `drift` list write it.
    static func item(_ item: DriftItem) -> JSONValue {
        .object([
            "address": .string(item.address), "id": .int(Int64(item.id)), "kind": .string(item.kind.rawValue),
            "changes": .array(item.changes.map(PlanDocument.change)),
        ])
    }

    /// Reads back what `item` wrote, for a saved plan.
    static func item(_ reader: DocumentReader) throws(PlanFileError) -> DriftItem {
        let kindReader = try reader.required("kind")
        let kindName = try kindReader.string()
        guard let kind = DriftItem.Kind(rawValue: kindName) else { throw kindReader.failure("unknown drift kind '\(kindName)'") }
        return DriftItem(address: try reader.required("address").string(), id: try reader.required("id").int32(), kind: kind,
                         changes: try PlanDocument.changes(reader.required("changes")))
    }
}
