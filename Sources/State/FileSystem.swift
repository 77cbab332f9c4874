#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Which version of a file is on disk, so a save can tell that something else replaced or edited it.
struct FileIdentity: Hashable, Sendable {
    var device: UInt64
    var inode: UInt64
    var size: Int64
    var modifiedSeconds: Int
    var modifiedNanoseconds: Int

    init(_ st: stat) {
        device = UInt64(st.st_dev)
        inode = UInt64(st.st_ino)
        size = Int64(st.st_size)
        #if canImport(Darwin)
        modifiedSeconds = Int(st.st_mtimespec.tv_sec)
        modifiedNanoseconds = Int(st.st_mtimespec.tv_nsec)
        #else
        modifiedSeconds = Int(st.st_mtim.tv_sec)
        modifiedNanoseconds = Int(st.st_mtim.tv_nsec)
        #endif
    }
}

/// The POSIX calls the file backend is made of: whole-file reads, atomic replaces and the fsyncs they need.
enum FileSystem {
    static func describe(_ code: Int32) -> String {
        String(cString: strerror(code))
    }

    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// Beside the target, so the final rename stays within one file system and is atomic; unique, so two
    /// processes that save without the lock at least never write into the same temporary file.
    static func temporaryPath(for path: String) -> String {
        "\(path).tmp-\(getpid())-\(String(UInt32.random(in: .min ... .max), radix: 16))"
    }

    /// Creates the directory `path` is in, and its parents, mode 0700, when they are missing: a new state may be
    /// meant for a folder no run has made yet (`.batchctl/batchctl.state.json`).
    static func createDirectory(of path: String) throws(StateError) {
        let directory = directory(of: path)
        var st = stat()
        guard stat(directory, &st) != 0 else { return }
        let parent = self.directory(of: directory)
        if parent != directory { try createDirectory(of: directory) }
        guard mkdir(directory, 0o700) == 0 || errno == EEXIST else { throw .io("create the directory", directory, errno: errno) }
    }

    /// `path` with symbolic links followed, to a file that may not exist yet (a link may point at a state not
    /// written so far); `path` itself when it is no link, or when a chain of links goes on past 40.
    static func followingLinks(_ path: String) -> String {
        var current = path
        for _ in 0..<40 {
            var st = stat()
            guard lstat(current, &st) == 0, (st.st_mode & S_IFMT) == S_IFLNK else { return current }
            var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let count = readlink(current, &buffer, buffer.count - 1)
            guard count > 0 else { return current }
            let target = String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            current = target.hasPrefix("/") ? target : directory(of: current) + "/" + target
        }
        return path
    }

    static func exists(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0
    }

    /// The identity of the file at `path`; nil when there is none.
    static func identity(of path: String) throws(StateError) -> FileIdentity? {
        var st = stat()
        guard stat(path, &st) == 0 else {
            let code = errno
            if code == ENOENT { return nil }
            throw .io("inspect", path, errno: code)
        }
        return FileIdentity(st)
    }

    /// The whole file; nil when it does not exist.
    static func read(_ path: String) throws(StateError) -> (bytes: [UInt8], identity: FileIdentity)? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let code = errno
            if code == ENOENT { return nil }
            throw .io("open", path, errno: code)
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw .io("inspect", path, errno: errno) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Int(st.st_size))
        // Read to the end rather than trusting st_size: a journal may grow while it is read.
        let chunkSize = 1 << 20
        var chunk = [UInt8](repeating: 0, count: chunkSize)
        while true {
            let n = chunk.withUnsafeMutableBytes { posixRead(fd, $0.baseAddress, chunkSize) }
            if n > 0 {
                bytes.append(contentsOf: chunk[0..<n])
            } else if n == 0 {
                break
            } else if errno != EINTR {
                throw .io("read", path, errno: errno)
            }
        }
        return (bytes, FileIdentity(st))
    }

    /// Loops over short writes and EINTR; a regular file takes the whole buffer in one call unless the disk is full.
    static func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) throws(StateError) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { buffer -> Int in
                guard let base = buffer.baseAddress else { return 0 }
                return posixWrite(fd, base + offset, buffer.count - offset)
            }
            if n > 0 {
                offset += n
            } else if n < 0 && errno == EINTR {
                continue
            } else {
                throw .io("write", path, errno: n < 0 ? errno : EIO)
            }
        }
    }

    /// fdatasync where there is one: it flushes the data and the size, which is all a reader needs back.
    static func dataSync(_ fd: Int32) -> Int32 {
        #if canImport(Darwin)
        return fsync(fd)
        #else
        return fdatasync(fd)
        #endif
    }

    /// For types whose own `close()` method hides the system call.
    static func closeDescriptor(_ fd: Int32) {
        close(fd)
    }

    /// Makes a rename or a new directory entry durable.
    static func syncDirectory(of path: String) throws(StateError) {
        let directory = directory(of: path)
        let fd = open(directory, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .io("open the directory", directory, errno: errno) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw .io("fsync the directory", directory, errno: errno) }
    }

    /// Writes a new file beside `path`, fsyncs it and renames it over `path`; the directory is not synced here
    /// (callers do it once after their last rename). Returns the identity of what is now at `path`.
    @discardableResult
    static func replaceAtomically(_ path: String, with bytes: [UInt8]) throws(StateError) -> FileIdentity {
        let temporary = temporaryPath(for: path)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .io("create", temporary, errno: errno) }
        var identity: FileIdentity
        do throws(StateError) {
            // The mode asked of open() is cut by the umask; set it exactly.
            guard fchmod(fd, 0o600) == 0 else { throw .io("set the mode of", temporary, errno: errno) }
            try writeAll(fd, bytes, path: temporary)
            guard fsync(fd) == 0 else { throw .io("fsync", temporary, errno: errno) }
            var st = stat()
            guard fstat(fd, &st) == 0 else { throw .io("inspect", temporary, errno: errno) }
            identity = FileIdentity(st)
            guard close(fd) == 0 else {
                unlink(temporary)
                throw .io("close", temporary, errno: errno)
            }
        } catch {
            close(fd)
            unlink(temporary)
            throw error
        }
        guard rename(temporary, path) == 0 else {
            let code = errno
            unlink(temporary)
            throw .io("rename \(temporary) to", path, errno: code)
        }
        return identity
    }

    /// Makes `copy` hold what `path` holds now, atomically. A hard link costs nothing and stays correct because
    /// `path` is only ever replaced by rename, never written in place; file systems without links get a copy.
    static func preserve(_ path: String, as copy: String) throws(StateError) {
        let temporary = temporaryPath(for: copy)
        if link(path, temporary) == 0 {
            defer { unlink(temporary) }  // rename leaves it when both names already were the same file
            guard rename(temporary, copy) == 0 else { throw .io("rename \(temporary) to", copy, errno: errno) }
            return
        }
        let code = errno
        switch code {
        case EPERM, EOPNOTSUPP, ENOSYS, EMLINK, EXDEV:
            guard let file = try read(path) else { return }
            try replaceAtomically(copy, with: file.bytes)
        default:
            throw .io("link \(path) to", temporary, errno: code)
        }
    }
}

// The bare names `read` and `write` are shadowed inside types that declare methods of those names.
@inline(__always)
private func posixRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
    read(fd, buffer, count)
}

@inline(__always)
private func posixWrite(_ fd: Int32, _ buffer: UnsafeRawPointer?, _ count: Int) -> Int {
    write(fd, buffer, count)
}

extension Duration {
    /// The duration in seconds, with its fraction: for the Foundation calls and the SQL that take a number.
    public var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) * 1e-18
    }
}
