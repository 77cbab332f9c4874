/// The file an include is written in: its displayed path (for messages and for joining include paths)
/// and its absolute path (for resolving, the root check and identity).
struct IncludeSite {
    var display: String
    var absolute: String
}
