// Summarises the TRX files of one test run (used by scripts/test.sh).
//
//   node scripts/trx-summary.mjs RESULTS_DIR
//
// Prints one line per test assembly, the names of failed tests, and last the
// line `Tests: N passed, N failed, N skipped`. Exit status 1 if any test
// failed, a run was aborted, or no test ran at all; 0 otherwise.
//
// Plain Node (no packages): TRX is flat enough that attribute matching is
// reliable, and Node is already needed for Azurite.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { basename, join } from "node:path";

const resultsDir = process.argv[2];
if (!resultsDir) {
  console.error("usage: node trx-summary.mjs RESULTS_DIR");
  process.exit(2);
}

const unescapeXml = (s) =>
  s.replace(/&(lt|gt|quot|apos|amp|#\d+|#x[0-9a-f]+);/gi, (_, e) => {
    const named = { lt: "<", gt: ">", quot: '"', apos: "'", amp: "&" }[e.toLowerCase()];
    if (named) return named;
    return String.fromCodePoint(e[1].toLowerCase() === "x" ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
  });

function attributes(tagText) {
  const attrs = {};
  for (const m of tagText.matchAll(/([\w:]+)="([^"]*)"/g)) attrs[m[1]] = unescapeXml(m[2]);
  return attrs;
}

const tags = (xml, name) => [...xml.matchAll(new RegExp(`<${name}\\b([^>]*)>`, "g"))].map((m) => attributes(m[1]));

// TRX outcomes: Passed, Failed, NotExecuted (xunit's Skip), and rarer ones
// (Error, Timeout, Aborted, Inconclusive, ...). Anything that is not a pass or
// a skip counts as a failure: better loud than silently green.
const SKIPPED = new Set(["NotExecuted"]);
const PASSED = new Set(["Passed"]);

function newSummary(assembly) {
  return { assembly, passed: 0, failed: 0, skipped: 0, failedNames: [], runProblems: [], seen: new Set() };
}

function summariseFile(path) {
  const xml = readFileSync(path, "utf8");
  // Assembly name from the test definitions; a TRX with no tests has none, so
  // fall back to the file name (one TRX per test project, named after it).
  const codeBase = tags(xml, "TestMethod").map((t) => t.codeBase).find(Boolean);
  const assembly = codeBase ? basename(codeBase).replace(/\.dll$/i, "") : basename(path).replace(/\.trx$/i, "");
  const summary = newSummary(assembly);
  for (const r of tags(xml, "UnitTestResult")) {
    summary.seen.add(r.testName);
    if (PASSED.has(r.outcome)) summary.passed++;
    else if (SKIPPED.has(r.outcome)) summary.skipped++;
    else {
      summary.failed++;
      summary.failedNames.push(r.outcome === "Failed" ? r.testName : `${r.testName} (${r.outcome})`);
    }
  }
  // A crashed or hang-killed test host leaves an "Aborted"/"Error" run outcome
  // and error RunInfos even when no single test is marked failed.
  const runOutcome = tags(xml, "ResultSummary")[0]?.outcome ?? "missing";
  if (!["Completed", "Passed", "Failed", "Warning"].includes(runOutcome)) {
    summary.runProblems.push(`run outcome ${runOutcome}`);
  }
  for (const m of xml.matchAll(/<RunInfo\b[^>]*outcome="Error"[^>]*>\s*<Text>([\s\S]*?)<\/Text>/g)) {
    const text = unescapeXml(m[1]).split("\n")[0].trim();
    if (!text.startsWith("[xUnit.net")) summary.runProblems.push(text); // xunit echoes each [FAIL] here
  }
  return summary;
}

// The blame collector (--blame-hang-timeout) writes Sequence_*.xml next to the
// TRX files: tests with Completed="False" were running when the test host
// hung (and was killed) or crashed. The TRX has no result for them, so they
// are added here as failures, under their assembly.
function unfinishedTests(dir) {
  const found = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) found.push(...unfinishedTests(path));
    else if (/^Sequence_.*\.xml$/i.test(entry)) {
      for (const t of tags(readFileSync(path, "utf8"), "Test")) {
        if (t.Completed === "False") {
          found.push({ assembly: basename(t.Source ?? "unknown").replace(/\.dll$/i, ""), name: t.Name });
        }
      }
    }
  }
  return found;
}

let files = [];
try {
  files = readdirSync(resultsDir).filter((f) => f.toLowerCase().endsWith(".trx")).sort();
} catch (e) {
  console.log(`(cannot read ${resultsDir}: ${e.message})`);
}

const all = files.map((f) => summariseFile(join(resultsDir, f)));
for (const t of files.length > 0 || statSafe(resultsDir) ? unfinishedTests(resultsDir) : []) {
  let s = all.find((x) => x.assembly === t.assembly);
  if (!s) all.push((s = newSummary(t.assembly)));
  if (s.seen.has(t.name)) continue; // reported already (the file is copied into several folders)
  s.seen.add(t.name);
  s.failed++;
  s.failedNames.push(`${t.name} (did not finish: test host hung or crashed)`);
}

function statSafe(p) {
  try { return statSync(p).isDirectory(); } catch { return false; }
}
const total = { passed: 0, failed: 0, skipped: 0 };
let runProblem = false;

console.log(`Test results (${files.length} TRX file${files.length === 1 ? "" : "s"} in ${resultsDir}):`);
for (const s of all) {
  total.passed += s.passed;
  total.failed += s.failed;
  total.skipped += s.skipped;
  const note = s.passed + s.failed + s.skipped === 0 ? "  <- no tests" : "";
  console.log(`  ${s.assembly.padEnd(40)} ${String(s.passed).padStart(5)} passed ${String(s.failed).padStart(4)} failed ${String(s.skipped).padStart(4)} skipped${note}`);
}

const failedNames = all.flatMap((s) => s.failedNames.map((n) => `${s.assembly}: ${n}`));
if (failedNames.length > 0) {
  console.log("\nFailed tests:");
  for (const n of failedNames) console.log(`  ${n}`);
}
const problems = all.flatMap((s) => s.runProblems.map((p) => `${s.assembly}: ${p}`));
if (problems.length > 0) {
  runProblem = true;
  console.log("\nTest run problems:");
  for (const p of problems) console.log(`  ${p}`);
}

const ran = total.passed + total.failed + total.skipped;
if (ran === 0) console.log("\n!!! No test ran: treating this as a failure.");
console.log(`\nTests: ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
process.exit(total.failed > 0 || runProblem || ran === 0 ? 1 : 0);
