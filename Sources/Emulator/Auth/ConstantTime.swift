/// Secret comparison whose time depends only on the lengths, never on where the first difference is, so a
/// client cannot guess a password byte by byte from response times.
enum ConstantTime {
    static func equals(_ a: String, _ b: String) -> Bool {
        equals(Array(a.utf8), Array(b.utf8))
    }

    static func equals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt64(a.count ^ b.count)
        // Walk the longer one in full, comparing against the other cyclically, so unequal lengths cost the same.
        let length = max(a.count, b.count)
        for i in 0..<length {
            let x = a.isEmpty ? 0 : a[i % a.count]
            let y = b.isEmpty ? 0 : b[i % b.count]
            difference |= UInt64(x ^ y)
        }
        return difference == 0
    }

    /// Whether `candidate` equals any of `secrets`, comparing with all of them (no early exit).
    static func matchesAny(_ candidate: String, _ secrets: [String]) -> Bool {
        let bytes = Array(candidate.utf8)
        var found = false
        for secret in secrets {
            let equal = equals(bytes, Array(secret.utf8))
            found = found || equal
        }
        return found
    }
}
