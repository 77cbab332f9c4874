/// The database holds something the emulator did not write; reported as a 500 with this message.
struct StorageError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
