#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Path arithmetic and file reading for includes, kept lexical and POSIX-only so it behaves the same everywhere
/// and a failed read can say why (errno's text) instead of just "nil".
enum FilePaths {
    /// Why a file could not be read, in the words of the operating system.
    struct ReadError: Error {
        var reason: String
    }

    /// Removes `.`, empty components and `dir/..` pairs; keeps leading `..` of relative paths.
    static func normalize(_ path: String) -> String {
        let absolute = path.hasPrefix("/")
        var parts: [Substring] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == ".." {
                if let last = parts.last, last != ".." {
                    parts.removeLast()
                    continue
                }
                if absolute { continue }
            }
            parts.append(part)
        }
        let joined = parts.joined(separator: "/")
        if absolute { return "/" + joined }
        return joined.isEmpty ? "." : joined
    }

    /// The directory part of a path ("" for a bare file name), not normalized.
    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        if slash == path.startIndex { return "/" }
        return String(path[..<slash])
    }

    /// `path` relative to `directory`, normalized; absolute paths stand on their own.
    static func resolve(_ path: String, relativeTo directory: String) -> String {
        if path.hasPrefix("/") || directory.isEmpty { return normalize(path) }
        return normalize(directory + "/" + path)
    }

    static func absolute(_ path: String) -> String {
        if path.hasPrefix("/") { return normalize(path) }
        return resolve(path, relativeTo: currentDirectory())
    }

    /// Whether `path` is `root` or below it; both absolute and normalized.
    static func isInside(_ path: String, root: String) -> Bool {
        if root == "/" || path == root { return true }
        return path.hasPrefix(root + "/")
    }

    /// The path with symlinks resolved, so an include cannot leave the root through a link; nil if it does not exist.
    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    static func currentDirectory() -> String {
        guard let cwd = getcwd(nil, 0) else { return "/" }
        defer { free(cwd) }
        return String(cString: cwd)
    }

    static func contents(ofFile path: String) throws(ReadError) -> [UInt8] {
        // Non-blocking, so a FIFO with no writer is opened and refused below instead of waiting forever.
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw ReadError(reason: lastError()) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw ReadError(reason: lastError()) }
        switch info.st_mode & S_IFMT {
        case S_IFREG:
            break
        case S_IFDIR:
            throw ReadError(reason: "it is a directory")
        default:
            // A FIFO, a device or a socket may never end or never answer: only regular files are read.
            throw ReadError(reason: "it is not a regular file (a FIFO, device or socket); only regular files are read")
        }
        // /proc/self/environ and its kind are regular files whose contents the kernel makes up as they are read:
        // the process's environment (its secrets), memory and settings. The path the descriptor was opened at is
        // checked, so a symlink or a `..` that leads there is refused like the path itself.
        let opened = openedPath(of: fd) ?? realPath(path) ?? absolute(path)
        if let system = pseudoFileSystem(containing: opened) {
            throw ReadError(
                reason: "it is \(opened), under \(system), where the kernel makes up a file's contents as it is read "
                    + "(a process's environment, memory or devices); such files are never read, whatever the flags")
        }
        // Read the announced size straight into the array, then go on in case the file grew or has no size.
        let expected = max(Int(info.st_size), 0)
        var failure: Int32 = 0
        var bytes = [UInt8](unsafeUninitializedCapacity: expected) { buffer, initialized in
            while initialized < expected {
                let count = read(fd, buffer.baseAddress.map { $0 + initialized }, expected - initialized)
                if count < 0, errno == EINTR { continue }
                if count < 0 { failure = errno }
                if count <= 0 { break }
                initialized += count
            }
        }
        if failure != 0 { throw ReadError(reason: String(cString: strerror(failure))) }
        let reason: String? = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 65_536) { chunk in
            while true {
                let count = read(fd, chunk.baseAddress, chunk.count)
                if count < 0, errno == EINTR { continue }
                if count < 0 { return lastError() }
                if count == 0 { return nil }
                bytes.append(contentsOf: chunk[0..<count])
            }
        }
        if let reason { throw ReadError(reason: reason) }
        return bytes
    }

    /// The directories whose files are made up by the kernel rather than stored: never read as manifests.
    static let pseudoFileSystems = ["/proc", "/sys", "/dev"]

    /// The pseudo-file system `path` (absolute, symlinks resolved) lies in, if any.
    static func pseudoFileSystem(containing path: String) -> String? {
        pseudoFileSystems.first { isInside(normalize(path), root: $0) }
    }

    /// Where an open descriptor's file is, symlinks resolved, as the kernel says; nil where it cannot say.
    private static func openedPath(of fd: Int32) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink("/proc/self/fd/\(fd)", &buffer, buffer.count - 1)
        guard count > 0, buffer[0] == CChar(UInt8(ascii: "/")) else { return nil }
        return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private static func lastError() -> String {
        String(cString: strerror(errno))
    }
}
