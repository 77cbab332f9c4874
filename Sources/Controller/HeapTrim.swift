#if canImport(Glibc)
import Glibc
#endif

/// Gives the memory a cycle freed back to the system.
///
/// A cycle at 100,000 tasks builds and frees several hundred MB (the expansion, the state, the plan). glibc keeps
/// freed memory in its arenas for reuse, and the arenas of the worker threads fragment, so the resident size of an
/// idle controller grew with every cycle (340, 557, 635 MB after three cycles at 100k) although what stays alive
/// between cycles is about 60 MB. glibc's `malloc_trim(0)` after a cycle returns the free pages; it costs a few
/// milliseconds once per cycle. It is looked up at run time (`<malloc.h>` is not in Swift's Glibc module), so a C
/// library without it is simply left as it is.
enum HeapTrim {
    private typealias Trim = @convention(c) (Int) -> Int32

    private static let trim: Trim? = {
        #if canImport(Glibc)
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else { return nil }
        return unsafeBitCast(symbol, to: Trim.self)
        #else
        return nil
        #endif
    }()

    static func afterCycle() {
        _ = trim?(0)
    }
}
