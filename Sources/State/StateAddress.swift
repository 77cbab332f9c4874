/// The addresses a state may hold beside `set/key`: a task deposed by a create-before-destroy replace waits at
/// `set/key~deposed-ID` until it is deleted.
public enum StateAddress {
    static let deposedMarker = "~deposed-"

    /// Where a create-before-destroy replace keeps the old task of `address` while the new one is created.
    public static func deposed(_ address: String, id: Int32) -> String {
        address + deposedMarker + String(id)
    }

    /// The address a deposed entry was deposed from and the old task's id, or nil for an ordinary address.
    public static func parseDeposed(_ address: String) -> (address: String, id: Int32)? {
        guard let range = address.range(of: deposedMarker, options: .backwards),
              let id = Int32(address[range.upperBound...]) else { return nil }
        return (String(address[..<range.lowerBound]), id)
    }

    public static func isDeposed(_ address: String) -> Bool { parseDeposed(address) != nil }

    /// The task set an address belongs to: the part before its first `/` (a deposed entry's too).
    public static func setName(of address: String) -> String {
        address.firstIndex(of: "/").map { String(address[..<$0]) } ?? address
    }
}
