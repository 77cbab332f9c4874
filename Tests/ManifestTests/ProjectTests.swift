import Diagnostics
import Testing
@testable import Manifest

/// The project file's environments: how they are read, how one is chosen, and where their vars stand.
extension ManifestEngineTests {
    private static let environmentsProject = """
        apiVersion: batchctl/v1
        kind: Project
        endpoint: https://example.com/crm/api/v1
        parallelism: 4
        varFiles: [env/common.yaml]
        environments:
          dev:
            varFiles: [env/dev.yaml]
          prod:
            varFiles: [env/prod.yaml]
            endpoint: https://online.superoffice.com/Cust12345
            parallelism: 16
            vars: {shards: 8}

        """

    /// The diagnostics of reading `batchctl.yaml` holding `text`, or [] when it reads.
    private func projectErrors(_ text: String) throws -> [String] {
        let fixture = try ManifestFixture(["batchctl.yaml": text])
        do {
            _ = try fixture.project()
            return []
        } catch {
            return error.diagnostics.map(\.description)
        }
    }

    private func choiceErrors(_ project: Project, _ name: String?, given: String = "--env") -> [String] {
        do {
            _ = try project.choosing(environment: name, given: given)
            return []
        } catch {
            return error.diagnostics.map(\.description)
        }
    }

    @Test func readsEnvironmentsInTheOrderWritten() throws {
        let project = try ManifestFixture(["batchctl.yaml": Self.environmentsProject]).project()
        #expect(project.environments.map(\.name) == ["dev", "prod"])
        #expect(project.environmentsLocation?.description == "batchctl.yaml:6:1")
        #expect(project.environment == nil)
        let prod = try #require(project.environments.last)
        #expect(prod.location.description == "batchctl.yaml:9:3")
        #expect(prod.varFiles == ["env/prod.yaml"])
        #expect(prod.endpoint == "https://online.superoffice.com/Cust12345")
        #expect(prod.endpointLocation?.description == "batchctl.yaml:11:15")
        #expect(prod.parallelism == 16)
        #expect(prod.vars.map(\.name) == ["shards"])
        #expect(prod.vars.first?.node.value == .int(8))
        #expect(prod.vars.first?.source == .environmentVars("prod", SourceLocation(file: "batchctl.yaml", line: 13, column: 12)))
    }

    @Test func aChosenEnvironmentsSettingsStandInForTheProjects() throws {
        let project = try ManifestFixture(["batchctl.yaml": Self.environmentsProject]).project()
        let prod = try project.choosing(environment: "prod")
        #expect(prod.environment?.name == "prod")
        #expect(prod.endpoint == "https://online.superoffice.com/Cust12345")
        #expect(prod.endpointLocation?.description == "batchctl.yaml:11:15", "a bad endpoint is reported where the environment writes it")
        #expect(prod.parallelism == 16)
        let options = ManifestOptions(project: prod)
        #expect(options.projectVarFiles.map(\.path) == ["env/common.yaml", "env/prod.yaml"])
        #expect(options.projectVarFiles.map(\.environment) == [nil, "prod"])
        #expect(options.projectVars.map(\.name) == ["shards"])

        let dev = try project.choosing(environment: "dev", given: "BATCHCTL_ENV")
        #expect(dev.endpoint == "https://example.com/crm/api/v1", "an environment without an endpoint keeps the project's")
        #expect(dev.endpointLocation?.description == "batchctl.yaml:3:11")
        #expect(dev.parallelism == 4)
        #expect(ManifestOptions(project: dev).projectVars.isEmpty)
    }

    @Test func aProjectWithEnvironmentsNeedsOneChosenByANameItDeclares() throws {
        let project = try ManifestFixture(["batchctl.yaml": Self.environmentsProject]).project()
        #expect(choiceErrors(project, nil) == [
            "batchctl.yaml:6:1: error: batchctl.yaml declares the environments dev, prod: choose one with --env NAME (or BATCHCTL_ENV); each has its own settings and state",
        ])
        #expect(choiceErrors(project, "prdo") == [
            "error: --env prdo: no such environment; did you mean prod? (batchctl.yaml declares dev, prod)\n    note: the environments are declared at batchctl.yaml:6:1",
        ])
        #expect(choiceErrors(project, "staging", given: "BATCHCTL_ENV") == [
            "error: BATCHCTL_ENV=staging: no such environment (batchctl.yaml declares dev, prod)\n    note: the environments are declared at batchctl.yaml:6:1",
        ])
        #expect(choiceErrors(project, "Prod") == [
            "error: --env Prod: no such environment; did you mean prod? (batchctl.yaml declares dev, prod)\n    note: the environments are declared at batchctl.yaml:6:1",
        ], "names are matched exactly")
    }

    @Test func anEnvironmentNamedWhereNoneIsDeclaredIsRefused() throws {
        let plain = try ManifestFixture(["batchctl.yaml": "apiVersion: batchctl/v1\nkind: Project\n"]).project()
        #expect(choiceErrors(plain, nil) == [])
        #expect(choiceErrors(plain, "prod") == ["error: --env prod: batchctl.yaml declares no environments"])
        #expect(choiceErrors(Project(), "prod") == ["error: --env prod: there is no batchctl.yaml here to declare environments"])
    }

    @Test func badEnvironmentsAreReportedAtTheirPositions() throws {
        let errors = try projectErrors("""
            apiVersion: batchctl/v1
            kind: Project
            environments:
              Prod: {varFiles: [p.yaml]}
              default: {}
              qa: {varFile: [q.yaml], state: qa.json, parallelism: 0}
              ci: [a, b]
              uat: {vars: [a]}
              -x: ~
              ok:
              ${name}: {}
              mine: {endpoint: 8405, varFiles: [{a: b}]}

            """)
        let rule = "must be 1 to 63 lowercase letters, digits, '-' and '_', starting with a letter or digit"
        #expect(errors == [
            "batchctl.yaml:4:3: error: environment name 'Prod' \(rule); did you mean prod? (it names the environment's state file)",
            "batchctl.yaml:5:3: error: 'default' is the workspace of a run without --env; give the environment another name",
            "batchctl.yaml:6:8: error: unknown setting 'varFile' in environment qa; did you mean varFiles? (known: varFiles, vars, endpoint, parallelism)",
            "batchctl.yaml:6:27: error: state is a project setting: each environment keeps its own state, its workspace, beside the project's state file and named after the environment",
            "batchctl.yaml:6:56: error: parallelism must be a whole number from 1 to 1024",
            "batchctl.yaml:7:7: error: environment ci is a mapping of varFiles, vars, endpoint, parallelism, not a sequence",
            "batchctl.yaml:8:15: error: vars is a mapping of var names to values, not a sequence",
            "batchctl.yaml:9:3: error: environment name '-x' \(rule) (it names the environment's state file)",
            "batchctl.yaml:11:3: error: environment name '${name}' \(rule) (it names the environment's state file)",
            "batchctl.yaml:12:20: error: endpoint must be text, not an integer",
            "batchctl.yaml:12:37: error: varFiles must be text, not a mapping",
        ])
    }

    @Test func environmentsMustBeAMappingOfNames() throws {
        #expect(try projectErrors("apiVersion: batchctl/v1\nkind: Project\nenvironments: [dev, prod]\n") == [
            "batchctl.yaml:3:15: error: environments is a mapping of environment names to their settings (varFiles, vars, endpoint, parallelism), as in environments: {dev: {varFiles: [env/dev.yaml]}}",
        ])
        #expect(try projectErrors("apiVersion: batchctl/v1\nkind: Project\nenvironments: {}\n") == [
            "batchctl.yaml:3:15: error: environments is a mapping of environment names to their settings (varFiles, vars, endpoint, parallelism), as in environments: {dev: {varFiles: [env/dev.yaml]}}",
        ])
        #expect(try projectErrors("apiVersion: batchctl/v1\nkind: Project\nenviroments: {dev: {}}\n") == [
            "batchctl.yaml:3:1: error: unknown project setting 'enviroments'; did you mean environments? (known: endpoint, state, manifests, varFiles, inputs, parallelism, headers, timeout, environments)",
        ])
        #expect(try projectErrors("apiVersion: batchctl/v1\nkind: Project\nenvironments:\n  dev: {}\n  dev: ~\n").first?
            .hasPrefix("batchctl.yaml:5:3: error: duplicate key") == true)
    }

    @Test func varsStandFromTheProjectsFilesToTheEnvironmentToTheCommandLine() throws {
        let fixture = try ManifestFixture([
            "batchctl.yaml": """
                apiVersion: batchctl/v1
                kind: Project
                manifests: [sets]
                varFiles: [common.yaml]
                environments:
                  prod:
                    varFiles: [prod.yaml]
                    vars: {d: env-vars, e: env-vars, f: env-vars, g: env-vars, nobody: x}

                """,
            "sets/set.yaml": taskSet("""
                vars: {a: set, b: set, c: set, d: set, e: set, f: set, g: set}
                tasks:
                  - {key: t, Name: '${a} ${b} ${c} ${d} ${e} ${f} ${g}'}

                """),
            "common.yaml": "b: common\nc: common\nd: common\ne: common\nf: common\ng: common\n",
            "prod.yaml": "c: prod\nd: prod\ne: prod\nf: prod\ng: prod\n",
            "flags.yaml": "e: file\nf: file\ng: file\n",
        ])
        let project = try fixture.project().choosing(environment: "prod")
        let result = fixture.expand { options in
            options = ManifestOptions(project: project)
            options.varFiles = ["flags.yaml"]
            options.environment = ["BATCHCTL_VAR_f": "environ", "BATCHCTL_VAR_g": "environ"]
            options.vars = [("g", "flag")]
            options.explain = "s/t"
        }
        #expect(result.errors == [])
        #expect(result.task("s/t")?.info.name == "set common prod env-vars file environ flag")
        #expect(result.warnings == [
            "batchctl.yaml:8:64: warning: a value is given for var 'nobody' (environment prod's vars at batchctl.yaml:8:64), but no task set declares it",
        ])
        let name = try #require(result.explanation?.fields.first { $0.path == "Name" })
        let origins = Dictionary(uniqueKeysWithValues: name.inputs.map { ($0.name, $0.origin) })
        #expect(origins["c"] == "var, set by environment prod's var file at prod.yaml:1:1 (overriding the set's vars at sets/set.yaml:5:24, the project's var file at common.yaml:2:1)")
        #expect(origins["d"] == "var, set by environment prod's vars at batchctl.yaml:8:12 (overriding the set's vars at sets/set.yaml:5:32, the project's var file at common.yaml:3:1, environment prod's var file at prod.yaml:2:1)")
        #expect(origins["e"]?.hasPrefix("var, set by --var-file at flags.yaml:1:1 (overriding") == true)
        #expect(origins["e"]?.hasSuffix("environment prod's vars at batchctl.yaml:8:25)") == true)
    }
}
