import Diagnostics

/// A saved plan that cannot be read, or that may no longer be applied.
public struct PlanFileError: UserFacingError, Hashable, CustomStringConvertible {
    /// Why, for callers that react differently (tests, a controller that re-plans); people read `message`.
    public enum Kind: Sendable, Hashable {
        /// The bytes are not a saved plan of this format version.
        case malformed
        /// The plan was made for another endpoint.
        case wrongEndpoint
        /// The state was written (or replaced) since the plan was made.
        case staleState
        /// The manifests ask for something else since the plan was made.
        case staleManifests
        /// An action names a task id the state does not hold at that address: the file was edited.
        case foreignTask
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
