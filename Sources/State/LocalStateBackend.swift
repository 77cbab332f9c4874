import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The state in a local file (`batchctl.state.json`) with its backup, journal and lock beside it.
///
/// A state that cannot be read is refused by `load`, and `save` never replaces a file it cannot read as the
/// same state: it checks the file on disk before copying it to the backup, so a damaged file never
/// overwrites the last good copy. That check is free when the file is still the one this backend read or
/// wrote (same inode, size and mtime) and costs one parse otherwise.
public final class LocalStateBackend: StateBackend {
    public let path: String
    public var backupPath: String { path + ".backup" }
    public var journalPath: String { path + ".journal" }
    public var lockPath: String { path + ".lock" }
    public var description: String { path }

    private let journalSyncInterval: Duration
    private let lockPollInterval: Duration
    /// The file as this backend last read or wrote it.
    private let known = Mutex<KnownFile?>(nil)

    private struct KnownFile {
        var identity: FileIdentity
        var lineage: String
        var serial: Int
    }

    /// `journalSyncInterval` bounds what a machine crash can lose of the journal (see `JournalWriter`).
    ///
    /// A `path` that is a symbolic link is followed, and the state is written through it: saves replace the file
    /// by rename, which would otherwise put a plain file where the link was and leave the target with the old
    /// state. The backup, journal and lock sit beside the target, and messages name it.
    public init(path: String, journalSyncInterval: Duration = .milliseconds(5), lockPollInterval: Duration = .milliseconds(100)) {
        self.path = FileSystem.followingLinks(path)
        self.journalSyncInterval = journalSyncInterval
        self.lockPollInterval = lockPollInterval
    }

    // MARK: State

    public func load() throws(StateError) -> State? {
        guard let (bytes, identity) = try FileSystem.read(path) else {
            // Saves replace the file by rename, so it is never missing between two states: a backup without
            // it means the state was deleted, and carrying on with none would create every task again.
            if FileSystem.exists(backupPath) {
                throw StateError.missing(
                    "\(path) does not exist, but its backup \(backupPath) does: the state was deleted or moved. "
                        + "Restore it (cp \(backupPath) \(path)), or remove the backup to start with no state")
            }
            known.withLock { $0 = nil }
            return nil
        }
        let state = try State.decode(consume bytes, path: path, backupExists: FileSystem.exists(backupPath))
        known.withLock { $0 = KnownFile(identity: identity, lineage: state.lineage, serial: state.serial) }
        return state
    }

    public func save(_ state: State) throws(StateError) -> State {
        guard state.serial < 1 << 53 else {
            throw StateError.corrupt("\(path) has serial \(state.serial), the largest a state may have; it was not changed")
        }
        var written = state
        written.serial = state.serial + 1
        let bytes = written.encoded()
        return try known.withLock { (known: inout KnownFile?) throws(StateError) -> State in
            if let current = try FileSystem.identity(of: path) {
                let onDisk: (lineage: String, serial: Int)
                if let known, known.identity == current {
                    onDisk = (known.lineage, known.serial)
                } else if let file = try FileSystem.read(path) {
                    let disk = try State.decode(file.bytes, path: path, backupExists: FileSystem.exists(backupPath))
                    onDisk = (disk.lineage, disk.serial)
                } else {
                    onDisk = (state.lineage, state.serial)
                }
                if onDisk.lineage != state.lineage {
                    throw StateError.conflict(
                        "\(path) holds another state (lineage \(onDisk.lineage)) than the one being saved "
                            + "(lineage \(state.lineage)); it was not overwritten")
                }
                if onDisk.serial > state.serial {
                    throw StateError.conflict(
                        "\(path) was written by another run (serial \(onDisk.serial)) after this one read it "
                            + "(serial \(state.serial)); it was not overwritten. Run the command again")
                }
                try FileSystem.preserve(path, as: backupPath)
                // The backup's rename is made durable before the state is replaced, so a crash never leaves a
                // new state whose backup is older than the state it replaced.
                try FileSystem.syncDirectory(of: path)
            }
            let identity = try FileSystem.replaceAtomically(path, with: bytes)
            try FileSystem.syncDirectory(of: path)
            known = KnownFile(identity: identity, lineage: written.lineage, serial: written.serial)
            return written
        }
    }

    public func copyIn(_ state: State) throws(StateError) {
        guard try load() == nil else {
            throw StateError.conflict("\(path) already holds a state; migrate copies only into an empty location, and nothing was changed")
        }
        // save writes the serial after the one it is given.
        var copy = state
        copy.serial = max(0, state.serial - 1)
        _ = try save(copy)
    }

    // MARK: Lock

    /// The one lock of the file, whatever `sets` asks for: a file is written whole.
    public func lock(sets: [String]?, operation: String, timeout: Duration) async throws(StateError) -> any StateLock {
        var attempt = LockAttempt(info: LockInfo.current(operation: operation), deadline: ContinuousClock.now.advanced(by: timeout))
        while true {
            switch try attemptLock(&attempt, timeout: timeout) {
            case .taken(let handle): return handle
            case .wait(let pause):
                do {
                    try await Task.sleep(for: pause)
                } catch {
                    throw StateError.locked("cancelled while waiting for the lock on \(path)")
                }
            }
        }
    }

    /// `lock(sets:operation:timeout:)` for a caller that may block its thread.
    public func lock(operation: String, timeout: Duration) throws(StateError) -> StateLockHandle {
        var attempt = LockAttempt(info: LockInfo.current(operation: operation), deadline: ContinuousClock.now.advanced(by: timeout))
        while true {
            switch try attemptLock(&attempt, timeout: timeout) {
            case .taken(let handle): return handle
            case .wait(let pause): Thread.sleep(forTimeInterval: pause.seconds)
            }
        }
    }

    private struct LockAttempt {
        var info: LockInfo
        var deadline: ContinuousClock.Instant
        var replacedStale: LockInfo?
    }

    private enum LockStep {
        case taken(StateLockHandle)
        case wait(Duration)
    }

    /// One try at the lock file: taken, or how long to wait before the next try; throws once the deadline passed.
    private func attemptLock(_ attempt: inout LockAttempt, timeout: Duration) throws(StateError) -> LockStep {
        try FileSystem.createDirectory(of: lockPath)
        while true {
            // "since when" is when the lock was taken, not when this run began to wait for it.
            attempt.info.created = Timestamp.now()
            if try LockFile.create(lockPath, info: attempt.info) {
                return .taken(StateLockHandle(info: attempt.info, lockPath: lockPath, replacedStale: attempt.replacedStale))
            }
            if case .held(let holder) = LockFile.read(lockPath), holder.isStale, LockFile.removeStale(lockPath, holder: holder) {
                // A run killed on this host cannot release its lock; the next run takes it over, and says so.
                attempt.replacedStale = holder
                continue
            }
            let now = ContinuousClock.now
            if now >= attempt.deadline {
                // Read the holder only to report it; between a failed create and this read it may have let go,
                // in which case one more attempt is due.
                switch LockFile.read(lockPath) {
                case .free:
                    if try LockFile.create(lockPath, info: attempt.info) {
                        return .taken(StateLockHandle(info: attempt.info, lockPath: lockPath, replacedStale: attempt.replacedStale))
                    }
                    throw lockedError(waited: timeout)
                case .held, .unreadable:
                    throw lockedError(waited: timeout)
                }
            }
            return .wait(min(lockPollInterval, now.duration(to: attempt.deadline)))
        }
    }

    public func checkUnlocked(sets: [String]?) throws(StateError) {
        try checkUnlocked()
    }

    public func checkUnlocked() throws(StateError) {
        switch LockFile.read(lockPath) {
        case .free: return
        case .held, .unreadable: throw lockedError(waited: nil)
        }
    }

    public func unlock(id: String) throws(StateError) {
        switch LockFile.read(lockPath) {
        case .free:
            throw StateError.notLocked("\(path) is not locked")
        case .unreadable(let detail):
            throw StateError.locked(LockFile.unreadableMessage(statePath: path, lockPath: lockPath, detail))
        case .held(let holder):
            guard holder.id == id else {
                throw StateError.lockMismatch(
                    "lock id \(id) is not the lock on \(path): that is \(holder.id), held by \(holder.user) on "
                        + "\(holder.host) (pid \(holder.pid), \(holder.operation)) since \(holder.created)",
                    holder: holder)
            }
            guard unlink(lockPath) == 0 || errno == ENOENT else { throw .io("remove", lockPath, errno: errno) }
        }
    }

    private func lockedError(waited: Duration?) -> StateError {
        switch LockFile.read(lockPath) {
        case .held(let holder):
            return StateError.locked(holder.heldMessage(statePath: path, waited: waited), holder: holder)
        case .unreadable(let detail):
            return StateError.locked(LockFile.unreadableMessage(statePath: path, lockPath: lockPath, detail))
        case .free:
            return StateError.locked("\(path) was locked by another run, which has just let go; try again")
        }
    }

    // MARK: Journal

    /// Appends to an existing journal (a torn last line is cut off first, or the next record would be glued
    /// to it); `existingHighestSequence` on the writer says where new intents should start.
    public func openJournal() throws(StateError) -> JournalWriter {
        let existing = try FileSystem.read(journalPath)
        var highest = 0
        var completeLength = 0
        if let existing {
            let parsed = try JournalRecord.parseLines(existing.bytes, path: journalPath)
            highest = parsed.records.map(\.sequence).max() ?? 0
            completeLength = parsed.completeLength
        }
        let fd = open(journalPath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .io("open", journalPath, errno: errno) }
        do throws(StateError) {
            if let existing, completeLength < existing.bytes.count {
                guard ftruncate(fd, off_t(completeLength)) == 0 else { throw .io("truncate", journalPath, errno: errno) }
                guard fsync(fd) == 0 else { throw .io("fsync", journalPath, errno: errno) }
            }
            // A new journal's directory entry must survive a crash as much as its records.
            if existing == nil { try FileSystem.syncDirectory(of: journalPath) }
        } catch {
            FileSystem.closeDescriptor(fd)
            throw error
        }
        return JournalWriter(fd: fd, path: journalPath, existingHighestSequence: highest, syncInterval: journalSyncInterval)
    }

    public func openJournal(for lock: any StateLock) throws(StateError) -> any StateJournal {
        try openJournal()
    }

    public func readJournal(for lock: (any StateLock)?) throws(StateError) -> [JournalRecord] {
        try readJournal()
    }

    public func removeJournal(for lock: any StateLock) throws(StateError) {
        try removeJournal()
    }

    public func readJournal() throws(StateError) -> [JournalRecord] {
        guard let file = try FileSystem.read(journalPath) else { return [] }
        return try JournalRecord.parseLines(file.bytes, path: journalPath).records
    }

    public func removeJournal() throws(StateError) {
        guard unlink(journalPath) == 0 else {
            if errno == ENOENT { return }
            throw .io("remove", journalPath, errno: errno)
        }
        try FileSystem.syncDirectory(of: journalPath)
    }
}
