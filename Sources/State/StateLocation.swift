/// Where a state lives, as `--state`, `BATCHCTL_STATE` or the project file name it.
public enum StateLocation {
    /// The backend for `location`: a file path (the default backend).
    public static func backend(for location: String) throws(StateError) -> any StateBackend {
        if let scheme = location.firstRange(of: "://").map({ location[..<$0.lowerBound] }), !scheme.contains("/") {
            throw StateError(.unsupported,
                "--state \(scheme)://... is not a state backend this batchctl has; give a file path")
        }
        return LocalStateBackend(path: location)
    }
}
