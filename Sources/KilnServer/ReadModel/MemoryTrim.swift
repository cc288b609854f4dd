#if canImport(Glibc)
import Glibc
#endif

/// Returns freed heap memory to the system. glibc keeps memory a process freed for its own later use, so after a large
/// transient read (a reconcile pass over 10,000 objects, a read-model rebuild) a long-running server would keep its
/// high-water mark as resident memory; measured here, trimming takes `kiln serve` holding 10,000 images from 299 MB
/// to 206 MB. `malloc_trim` is looked up at run time (Swift's Glibc module does not import `malloc.h`); where the C
/// library has none, this does nothing.
public enum MemoryTrim {
    private typealias Trim = @convention(c) (Int) -> Int32

    private static let trim: Trim? = {
        #if canImport(Glibc)
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else { return nil }
        return unsafeBitCast(symbol, to: Trim.self)
        #else
        return nil
        #endif
    }()

    public static func releaseFreed() {
        _ = trim?(0)
    }
}
