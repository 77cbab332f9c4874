import Manifest
import Planning
import Schedule

extension FieldModel {
    /// The model for a project's requests: dates without an offset read in its `headers.timeZone` (UTC by default).
    init(project: Project) {
        self.init(wallTimeZone: project.timeZone.flatMap(SuperOfficeTimeZone.init) ?? .utc)
    }
}
