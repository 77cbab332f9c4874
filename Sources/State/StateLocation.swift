/// Where a state lives, as `--state`, `BATCHCTL_STATE` or the project file name it, and which workspace of it.
public enum StateLocation {
    /// The workspace of a run without `--env`.
    public static let defaultWorkspace = "default"

    /// The backend for `location` and `workspace`: a file path (the default backend).
    ///
    /// `location` names the default workspace's state; each other workspace keeps its own file beside it
    /// (see `path(of:in:)`), so that one location never holds two environments' states.
    public static func backend(for location: String, workspace: String = defaultWorkspace) throws(StateError) -> any StateBackend {
        if let scheme = location.firstRange(of: "://").map({ location[..<$0.lowerBound] }), !scheme.contains("/") {
            throw StateError.unsupported(
                "--state \(scheme)://... is not a state backend this batchctl has; give a file path")
        }
        return LocalStateBackend(path: path(of: workspace, in: location))
    }

    /// The state file of `workspace` for the file `location`: the location itself for the default workspace, else
    /// the workspace's name put before a final `.json` (`batchctl.state.json` -> `batchctl.state.prod.json`), or
    /// after the name when it has no such extension. Workspace names are environment names, which hold no `/` or `.`.
    public static func path(of workspace: String, in location: String) -> String {
        guard workspace != defaultWorkspace else { return location }
        let fileName = location.split(separator: "/", omittingEmptySubsequences: false).last ?? ""
        if fileName.count > ".json".count && fileName.hasSuffix(".json") {
            return String(location.dropLast(".json".count)) + ".\(workspace).json"
        }
        return location + ".\(workspace)"
    }
}
