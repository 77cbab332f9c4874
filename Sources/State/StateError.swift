import Diagnostics

/// Why the state, its lock or its journal could not be used, in words a user can act on.
///
/// The kind is a private code behind static functions that make each kind and properties that ask for one, so a
/// new kind breaks no caller. Callers react to the kind (exit codes, waiting, tests); people read `message`.
public struct StateError: UserFacingError, Hashable, CustomStringConvertible {
    private enum Code: Hashable {
        case corrupt, newerFormat, endpointMismatch, missing, conflict, locked, notLocked, lockMismatch
        case journalCorrupt, journalClosed, io, unsupported
    }

    private let code: Code
    public var message: String
    /// Who holds the lock, for `locked` and `lockMismatch`.
    public var holder: LockInfo?

    private init(code: Code, message: String, holder: LockInfo? = nil) {
        self.code = code
        self.message = message
        self.holder = holder
    }

    public var description: String { message }

    /// The state file cannot be read as a state; it was left as it is.
    public static func corrupt(_ message: String) -> StateError { StateError(code: .corrupt, message: message) }
    /// The state file was written by a newer batchctl.
    public static func newerFormat(_ message: String) -> StateError { StateError(code: .newerFormat, message: message) }
    /// The state belongs to another endpoint.
    public static func endpointMismatch(_ message: String) -> StateError { StateError(code: .endpointMismatch, message: message) }
    /// The state file is gone but its backup is there: a state was deleted, not never made.
    public static func missing(_ message: String) -> StateError { StateError(code: .missing, message: message) }
    /// The file on disk is not the one this run read (another run wrote it, or another state was put there).
    public static func conflict(_ message: String) -> StateError { StateError(code: .conflict, message: message) }
    /// Someone holds the lock; `holder` says who when the lock file could be read.
    public static func locked(_ message: String, holder: LockInfo? = nil) -> StateError {
        StateError(code: .locked, message: message, holder: holder)
    }
    /// `unlock` with no lock in place.
    public static func notLocked(_ message: String) -> StateError { StateError(code: .notLocked, message: message) }
    /// `unlock` with an id that is not the lock's.
    public static func lockMismatch(_ message: String, holder: LockInfo? = nil) -> StateError {
        StateError(code: .lockMismatch, message: message, holder: holder)
    }
    /// A journal line other than a torn last one is not a record.
    public static func journalCorrupt(_ message: String) -> StateError { StateError(code: .journalCorrupt, message: message) }
    /// An append or sync after `close()`.
    public static func journalClosed(_ message: String) -> StateError { StateError(code: .journalClosed, message: message) }
    /// The operating system refused a read, write, fsync or rename.
    public static func io(_ message: String) -> StateError { StateError(code: .io, message: message) }
    /// A state location this batchctl has no backend for.
    public static func unsupported(_ message: String) -> StateError { StateError(code: .unsupported, message: message) }

    /// Whether this is a `corrupt` error.
    public var isCorrupt: Bool { code == .corrupt }
    /// Whether this is a `newerFormat` error.
    public var isNewerFormat: Bool { code == .newerFormat }
    /// Whether this is a `endpointMismatch` error.
    public var isEndpointMismatch: Bool { code == .endpointMismatch }
    /// Whether this is a `missing` error.
    public var isMissing: Bool { code == .missing }
    /// Whether this is a `conflict` error.
    public var isConflict: Bool { code == .conflict }
    /// Whether this is a `locked` error.
    public var isLocked: Bool { code == .locked }
    /// Whether this is a `notLocked` error.
    public var isNotLocked: Bool { code == .notLocked }
    /// Whether this is a `lockMismatch` error.
    public var isLockMismatch: Bool { code == .lockMismatch }
    /// Whether this is a `journalCorrupt` error.
    public var isJournalCorrupt: Bool { code == .journalCorrupt }
    /// Whether this is a `journalClosed` error.
    public var isJournalClosed: Bool { code == .journalClosed }
    /// Whether this is an `io` error.
    public var isIO: Bool { code == .io }
    /// Whether this is a `unsupported` error.
    public var isUnsupported: Bool { code == .unsupported }
}

extension StateError {
    /// The file is left alone, and the user is told where the last good copy is (or that there is none).
    static func corrupt(path: String, _ detail: String, backupExists: Bool) -> StateError {
        let backup = backupExists
            ? "The last good copy is \(path).backup"
            : "There is no backup (\(path).backup does not exist)"
        return .corrupt("\(path) \(detail); it was not changed. \(backup)")
    }

    static func io(_ action: String, _ path: String, errno code: Int32) -> StateError {
        .io("could not \(action) \(path): \(FileSystem.describe(code))")
    }
}
