/// How a refresh reads the managed tasks: `--refresh-read auto|list|id`.
public enum RefreshRead: String, Sendable, CaseIterable {
    /// One list of every user task when enough managed tasks are user tasks, else one read per id.
    case auto
    /// One list of every user task (`GET /BatchTask/All`), then by id whatever it does not hold.
    case list
    /// One `GET /BatchTask/{id}` per managed task.
    case id
}
