import Diagnostics

/// Why the state, its lock or its journal could not be used, in words a user can act on.
public struct StateError: UserFacingError, Hashable, CustomStringConvertible {
    /// What went wrong, for callers that react differently (exit codes, waiting, tests); people read `message`.
    public enum Kind: Sendable, Hashable {
        /// The state file cannot be read as a state; it was left as it is.
        case corrupt
        /// The state file was written by a newer batchctl.
        case newerFormat
        /// The state belongs to another endpoint.
        case endpointMismatch
        /// The state file is gone but its backup is there: a state was deleted, not never made.
        case missing
        /// The file on disk is not the one this run read (another run wrote it, or another state was put there).
        case conflict
        /// Someone holds the lock; `holder` says who when the lock file could be read.
        case locked
        /// `unlock` with no lock in place.
        case notLocked
        /// `unlock` with an id that is not the lock's.
        case lockMismatch
        /// A journal line other than a torn last one is not a record.
        case journalCorrupt
        /// An append or sync after `close()`.
        case journalClosed
        /// The operating system refused a read, write, fsync or rename.
        case io
        /// A state location this batchctl has no backend for.
        case unsupported
    }

    public var kind: Kind
    public var message: String
    /// Who holds the lock, for `.locked` and `.lockMismatch`.
    public var holder: LockInfo?

    public init(_ kind: Kind, _ message: String, holder: LockInfo? = nil) {
        self.kind = kind
        self.message = message
        self.holder = holder
    }

    public var description: String { message }
}

extension StateError {
    /// The file is left alone, and the user is told where the last good copy is (or that there is none).
    static func corrupt(path: String, _ detail: String, backupExists: Bool) -> StateError {
        let backup = backupExists
            ? "The last good copy is \(path).backup"
            : "There is no backup (\(path).backup does not exist)"
        return StateError(.corrupt, "\(path) \(detail); it was not changed. \(backup)")
    }

    static func io(_ action: String, _ path: String, errno code: Int32) -> StateError {
        StateError(.io, "could not \(action) \(path): \(FileSystem.describe(code))")
    }
}
