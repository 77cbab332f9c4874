import JSON

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The lock file itself: made exclusively, read to name the holder, removed to release.
enum LockFile {
    enum Content {
        case free
        case held(LockInfo)
        /// Someone made the file but it cannot be read as a lock (hand-made, or damaged).
        case unreadable(String)
    }

    /// The content is written to a temporary file first and then linked into place: link fails if the lock
    /// exists, like O_CREAT|O_EXCL, but the lock never appears half-written to a reader naming the holder.
    static func create(_ path: String, info: LockInfo) throws(StateError) -> Bool {
        let bytes = info.json.serializedBytes(pretty: true, sortedKeys: true) + [0x0A]
        let temporary = FileSystem.temporaryPath(for: path)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .io("create", temporary, errno: errno) }
        defer { unlink(temporary) }
        do throws(StateError) {
            try FileSystem.writeAll(fd, bytes, path: temporary)
        } catch {
            close(fd)
            throw error
        }
        close(fd)
        if link(temporary, path) == 0 { return true }
        let code = errno
        switch code {
        case EEXIST:
            return false
        case EPERM, EOPNOTSUPP, ENOSYS, EMLINK:
            return try createExclusively(path, bytes)
        default:
            throw .io("create the lock", path, errno: code)
        }
    }

    /// For file systems without hard links.
    private static func createExclusively(_ path: String, _ bytes: [UInt8]) throws(StateError) -> Bool {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            let code = errno
            if code == EEXIST { return false }
            throw .io("create the lock", path, errno: code)
        }
        defer { close(fd) }
        do throws(StateError) {
            try FileSystem.writeAll(fd, bytes, path: path)
        } catch {
            unlink(path)
            throw error
        }
        return true
    }

    /// Removes a stale lock, if it is still the one `holder` names. The file is first renamed aside (atomic), so
    /// that a run racing to do the same cannot remove a fresh lock another run has just taken.
    static func removeStale(_ path: String, holder: LockInfo) -> Bool {
        let aside = FileSystem.temporaryPath(for: path)
        guard rename(path, aside) == 0 else { return false }
        if case .held(let moved) = read(aside), moved.id == holder.id {
            unlink(aside)
            return true
        }
        // Someone else's lock came along with the rename: put it back unless a newer one is already in place.
        _ = link(aside, path)
        unlink(aside)
        return false
    }

    static func read(_ path: String) -> Content {
        let file: (bytes: [UInt8], identity: FileIdentity)?
        do {
            file = try FileSystem.read(path)
        } catch {
            return .unreadable(error.message)
        }
        guard let file else { return .free }
        do {
            return .held(try LockInfo(json: try JSONValue.parse(file.bytes)))
        } catch let error as JSONError {
            return .unreadable(file.bytes.isEmpty ? "it is empty" : "it is not valid JSON (\(error))")
        } catch let error as FormatError {
            return .unreadable(error.message)
        } catch {
            return .unreadable("\(error)")
        }
    }

    static func unreadableMessage(statePath: String, lockPath: String, _ detail: String) -> String {
        "\(statePath) is locked, but the lock file \(lockPath) cannot be read (\(detail)); "
            + "if no batchctl is running, delete that file"
    }
}
