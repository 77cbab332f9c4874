import FuzzCommon
import Planning

/// The plan file reader: a plan that reads is saved again (as `plan --out` would), reads back, and saves to the
/// same bytes.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard let plan = try? SavedPlan.read(inputBytes(data, size), path: "fuzz.plan") else { return 0 }
    let written = SavedPlan.encode(plan, desired: [])
    let again: Plan
    do {
        again = try SavedPlan.read(written, path: "rewritten.plan")
    } catch {
        fatalError("a plan batchctl wrote does not read back: \(error)\n\(String(decoding: written, as: UTF8.self))")
    }
    require(SavedPlan.encode(again, desired: []) == written, "a plan read back saves differently:\n\(String(decoding: written, as: UTF8.self))")
    return 0
}
