'use strict';

// What `serverless prehook check` prints: one line per check and a summary, or one JSON
// document with --json.

/** `PASS  website-dev-website:4  GET /healthcheck  200  35 ms` (+ attempts and reason on failure). */
function checkLine(report) {
  const parts = [
    report.passed ? 'PASS' : 'FAIL',
    `${report.function}:${report.qualifier}`,
    report.check,
    report.status == null ? '-' : String(report.status),
    `${Math.round(report.durationMs)} ms`,
  ];
  if (!report.passed) {
    const attempts = report.attempts === 1 ? '1 attempt' : `${report.attempts} attempts`;
    parts.push(`${attempts}: ${report.reason || 'failed'}`);
  }
  return parts.join('  ');
}

function summary(reports) {
  const failed = reports.filter((r) => !r.passed).length;
  const checks = reports.length === 1 ? '1 check' : `${reports.length} checks`;
  return failed === 0 ? `${checks} passed` : `${checks}, ${failed} failed`;
}

/** The lines of a human-readable report. */
function textReport(reports) {
  return [...reports.map(checkLine), summary(reports)];
}

/** The --json document. */
function jsonReport(reports, where) {
  const failed = reports.filter((r) => !r.passed).length;
  return {
    passed: failed === 0,
    checks: reports.length,
    failed,
    target: where.local ? where.endpoint : 'aws',
    results: reports.map((r) => ({
      function: r.function,
      key: r.key,
      qualifier: r.qualifier,
      check: r.check,
      passed: r.passed,
      status: r.status ?? null,
      durationMs: r.durationMs,
      attempts: r.attempts,
      reason: r.reason ?? null,
    })),
  };
}

/** The framework error's message when a check failed: every failure on its own line. */
function failureMessage(reports) {
  const failures = reports.filter((r) => !r.passed);
  const lines = failures.map((r) => `  ${r.function}:${r.qualifier} ${r.check}: ${r.reason || 'failed'}`);
  const count = failures.length === 1 ? '1 check' : `${failures.length} checks`;
  return `prehook check: ${count} of ${reports.length} failed:\n${lines.join('\n')}`;
}

module.exports = { checkLine, summary, textReport, jsonReport, failureMessage };
