"""The entry points the CLI, the flake8 plugin, the language server and the tests call.

The one door of the package: the faces import this package, never the run or the analysis.
Its modules, by what a face asks for:

- ``runs``: lint files and folders as projects, and read the result (counts, route map, baseline);
- ``texts``: lint a text as the file it will be, alone or within its project;
- ``rules``: the rules listed, found and documented;
- ``edits``: fixes, ``# noqa`` comments, SARIF's planned edits, report files, the cache folder;
- ``editor``: what the language server previews on a session's check.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi_lint.api.editor import (
    fixed_text as fixed_text,
    routes_by_line as routes_by_line,
    safely_fixed_text as safely_fixed_text,
    shown_parse_errors as shown_parse_errors,
    with_noqa as with_noqa,
)
from fastapi_lint.api.edits import (
    NoqaResult as NoqaResult,
    add_noqa as add_noqa,
    cache_folder_problem as cache_folder_problem,
    fix_files as fix_files,
    fix_text as fix_text,
    remove_cache as remove_cache,
    sarif_edits as sarif_edits,
    write_report as write_report,
)
from fastapi_lint.api.rules import (
    RULE_PAGES_COMMAND as RULE_PAGES_COMMAND,
    all_rules as all_rules,
    find_rule as find_rule,
    is_generated_rule_page as is_generated_rule_page,
    rule_markdown as rule_markdown,
    rule_pages as rule_pages,
    rule_url as rule_url,
    sarif_rules as sarif_rules,
    similar_rule_names as similar_rule_names,
)
from fastapi_lint.api.runs import (
    ProjectCounts as ProjectCounts,
    apply_baseline as apply_baseline,
    config_groups as config_groups,
    environment_problem as environment_problem,
    files_to_lint as files_to_lint,
    lint_paths as lint_paths,
    lint_project as lint_project,
    load_config as load_config,
    project_counts as project_counts,
    route_map_data as route_map_data,
    route_rows as route_rows,
    unnamed_handlers as unnamed_handlers,
    write_baseline as write_baseline,
)
from fastapi_lint.api.texts import (
    TextResult as TextResult,
    check_summaries as check_summaries,
    default_cache_dir as default_cache_dir,
    lint_source as lint_source,
    lint_text_in_project as lint_text_in_project,
    project_files as project_files,
    project_of as project_of,
    relint as relint,
    summarize_files as summarize_files,
)

# Values and types the faces read, from the parts behind this door.
from fastapi_lint.analysis.noqa_directives import NOQA_AUDIT as NOQA_AUDIT  # the code the CLI and flake8 treat apart
from fastapi_lint.analysis.project_python import unreadable_note as unreadable_note  # the CLI's summary
from fastapi_lint.discovery import Discovered as Discovered  # --show-files' answer
from fastapi_lint.run.pipeline import LintResult as LintResult  # what a run gives the CLI
from fastapi_lint.run.projects import Project as Project, merged_results as merged_results, plan_projects as plan_projects
from fastapi_lint.run.projects import force_excluded as force_excluded
from fastapi_lint.api.warm import WarmProjects as WarmProjects  # check --daemon's kept projects
from fastapi_lint.run.session import Checked as Checked, ProjectSession as ProjectSession  # a project kept between checks (editors)

# Names the single module this package replaced offered too (it imported them): kept, so that
# nothing that reached them through ``fastapi_lint.api`` breaks.
from fastapi_lint.analysis.extract import summarize_file as summarize_file
from fastapi_lint.analysis.facts import ModuleSummary as ModuleSummary
from fastapi_lint.config import Config as Config, find_pyproject as find_pyproject, load as load
from fastapi_lint.config import nearest_pyprojects as nearest_pyprojects
from fastapi_lint.diagnostics import Diagnostic as Diagnostic
from fastapi_lint.discovery import discover as discover
from fastapi_lint.paths import CACHE_DIR_NAME as CACHE_DIR_NAME, display_path as display_path
from fastapi_lint.paths import project_root as project_root, real_or_absolute as real_or_absolute
from fastapi_lint.run.check import check_project as check_project
from fastapi_lint.run.projects import report_on_own as report_on_own

if TYPE_CHECKING:
    from fastapi_lint.analysis.route_map import DependencyNode as DependencyNode, RouteRow as RouteRow  # the language server's hover
    from fastapi_lint.analysis.context import Context as Context  # LintResult.context: opaque to the faces
