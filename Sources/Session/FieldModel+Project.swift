import Manifest
import Planning

extension FieldModel {
    /// The model for a project's requests: dates without an offset read in its request time zone.
    public init(project: Project) {
        self.init(wallTimeZone: project.requestTimeZone)
    }
}
