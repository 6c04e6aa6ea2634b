"""Local audit engine throughput: ``python benchmarks/audit.py`` (or ``make bench``).

Generates, deterministically, a CloudTrail corpus of about a million records in CloudTrail's S3
layout (30 days, an account trail and an organization trail, two regions each, ~300 records
per file, built by mutating AWS's documented sample events into a realistic mix: S3 data
events, AssumeRole, KMS, EC2/IAM reads, a few writes, sign-ins, root use and denials), then
prints:

- records/s of a full scan (a catalog query over all 30 days) with LocalAuditEngine, and with
  DuckDB's JSON reader alone (``fast_json=False``) for comparison, with their CPU seconds (the
  decoder's worker processes included);
- the time of the same query over one day, and its speed-up over the full scan (partition
  pruning reads 1/30 of the files);
- records/s of a plain Python ``gzip`` + ``json`` loop over the same files computing the same
  answer, and the engine's ratio over it;
- the time of every catalog query over the 30 days, for reference;
- the full scan with the engine's Parquet cache (``cache=``): the time of the first query,
  which fills it, and records/s of the same query reading it.

Floors on a 2-core machine: >= 400,000 records/s for the full scan, from the JSON and from the
cache, and a one-day query >= 20x faster than the full scan; the exit code is 1 if one is
missed. Times are the best of ``--repeat`` runs (the machine may be shared); the median is
shown too. The one-day query runs twice after each full scan, so that both are timed in the
same moments of a machine whose speed varies.

Options: ``--records`` (approximate corpus size), ``--corpus DIR`` (keep and reuse the corpus
between runs), ``--threads`` (DuckDB threads), ``--repeat``, ``--days`` (fewer than 30 for a
quick check that it runs: the floors are for 30).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, TypeVar

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

ROOT: Final = Path(__file__).resolve().parents[1]
SAMPLES: Final = ROOT / "tests" / "fixtures" / "cloudtrail-logs" / "samples"
DAYS: Final = 30
FIRST_DAY: Final = (2024, 1)  # January 2024: days 01..30
RECORDS_PER_FILE: Final = 300
# (organization id or None, account, regions)
TRAILS: Final = (
    (None, "111122223333", ("us-east-1", "eu-west-1")),
    ("o-aa111bb222", "123456789012", ("us-east-1", "eu-west-1")),
)
FULL_SCAN_QUERY: Final = "access_denied_by_principal"
FLOOR_RECORDS_PER_SECOND: Final = 400_000
FLOOR_SPEED_UP: Final = 20.0
MANIFEST: Final = "corpus.json"

if TYPE_CHECKING:
    from constructs_obs.audit import QueryResult

Record = dict[str, Any]
T = TypeVar("T")


# --- corpus ---------------------------------------------------------------------------------


def _sample(name: str) -> Record:
    document = json.loads((SAMPLES / name).read_text(encoding="utf-8"))
    record: Record = document.get("Records", [document])[0]
    return record


@dataclass(frozen=True)
class _Template:
    weight: float
    record: Record
    # Whether the caller comes from the principal pool (else the sample's own identity).
    pooled: bool = True


def _principals(rng: random.Random) -> list[Record]:
    user = _sample("06_createuser_iam.json")["userIdentity"]
    role = _sample("10_s3_putobject_dataevent.json")["userIdentity"]
    pool: list[Record] = []
    for index in range(30):
        name = f"user{index:02d}"
        pool.append(
            {
                **user,
                "principalId": f"AIDAEXAMPLE{index:09d}",
                "arn": f"arn:aws:iam::123456789012:user/{name}",
                "accessKeyId": f"AKIAEXAMPLE{index:09d}",
                "userName": name,
            }
        )
    for index in range(20):
        name = f"role{index:02d}"
        session = f"session-{rng.randrange(10**6):06d}"
        issuer = {
            **role["sessionContext"]["sessionIssuer"],
            "principalId": f"AROAEXAMPLE{index:09d}",
            "arn": f"arn:aws:iam::123456789012:role/{name}",
            "userName": name,
        }
        pool.append(
            {
                **role,
                "principalId": f"AROAEXAMPLE{index:09d}:{session}",
                "arn": f"arn:aws:sts::123456789012:assumed-role/{name}/{session}",
                "accessKeyId": f"ASIAEXAMPLE{index:09d}",
                "sessionContext": {**role["sessionContext"], "sessionIssuer": issuer},
            }
        )
    return pool


def _templates() -> list[_Template]:
    s3 = _sample("10_s3_putobject_dataevent.json")
    api = _sample("07_updatetrail_error_trailnotfound.json")
    for key in ("errorCode", "errorMessage"):
        api.pop(key)

    def s3_call(name: str, bucket: str, key: str, read_only: bool, **extra: Any) -> Record:
        return {
            **s3,
            "eventName": name,
            "readOnly": read_only,
            "requestParameters": {
                "bucketName": bucket,
                "Host": f"{bucket}.s3.amazonaws.com",
                "key": key,
            },
            "resources": [
                {"ARN": f"arn:aws:s3:::{bucket}/{key}", "type": "AWS::S3::Object"},
                {
                    "accountId": "123456789012",
                    "ARN": f"arn:aws:s3:::{bucket}",
                    "type": "AWS::S3::Bucket",
                },
            ],
            **extra,
        }

    def call(source: str, name: str, read_only: bool, parameters: Record, **extra: Any) -> Record:
        return {
            **api,
            "eventSource": source,
            "eventName": name,
            "readOnly": read_only,
            "requestParameters": parameters,
            **extra,
        }

    denied = {"errorCode": "AccessDenied", "errorMessage": "Access Denied"}
    return [
        _Template(35, s3_call("GetObject", "app-data", "orders/2024/01/orders.parquet", True)),
        _Template(12, s3_call("PutObject", "app-data", "uploads/file.bin", False)),
        _Template(4, s3_call("HeadObject", "static-site", "index.html", True)),
        _Template(1.5, s3_call("GetObject", "finance-reports", "2023/q4.pdf", True, **denied)),
        _Template(8, _sample("09_sts_assumerole_crossaccount_caller.json"), pooled=False),
        _Template(2, _sample("08_kms_rotatekey_awsserviceevent.json"), pooled=False),
        _Template(
            9,
            call(
                "kms.amazonaws.com", "Decrypt", True, {"encryptionAlgorithm": "SYMMETRIC_DEFAULT"}
            ),
        ),
        _Template(8, call("ec2.amazonaws.com", "DescribeInstances", True, {"maxResults": 100})),
        _Template(
            0.5,
            call(
                "ec2.amazonaws.com",
                "RunInstances",
                False,
                {"instanceType": "m5.large"},
                errorCode="Client.UnauthorizedOperation",
                errorMessage="You are not authorized to perform this operation.",
            ),
        ),
        _Template(7, call("iam.amazonaws.com", "GetRole", True, {"roleName": "app"})),
        _Template(
            0.5,
            call(
                "iam.amazonaws.com",
                "AttachRolePolicy",
                False,
                {"roleName": "app", "policyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"},
            ),
        ),
        _Template(0.3, _sample("06_createuser_iam.json")),
        _Template(
            3, call("cloudtrail.amazonaws.com", "DescribeTrails", True, {"trailNameList": []})
        ),
        _Template(0.3, _sample("07_updatetrail_error_trailnotfound.json")),
        _Template(
            0.05, call("cloudtrail.amazonaws.com", "StopLogging", False, {"name": "management"})
        ),
        _Template(0.8, _sample("01_consolelogin_iamuser_nomfa_success.json"), pooled=False),
        _Template(0.8, _sample("02_consolelogin_iamuser_mfa_success.json"), pooled=False),
        _Template(0.2, _sample("03_consolelogin_iamuser_failed.json"), pooled=False),
        _Template(0.05, _sample("04_consolelogin_root_nomfa_success.json"), pooled=False),
        _Template(0.05, _sample("05_root_enablemfadevice_apicall.json"), pooled=False),
    ]


@dataclass(frozen=True)
class _Task:
    day: int
    organization: str | None
    account: str
    region: str
    files: int
    seed: int


def _write_partition(task: _Task, log_root: Path) -> tuple[int, int]:
    """Write one day of one account and region; return (files, records)."""
    rng = random.Random(task.seed)  # noqa: S311 - a reproducible corpus, not a secret
    templates = _templates()
    weights = [template.weight for template in templates]
    principals = _principals(random.Random(7))  # noqa: S311
    addresses = [f"198.51.{rng.randrange(100)}.{rng.randrange(256)}" for _ in range(300)]
    year, month = FIRST_DAY
    folder = log_root
    if task.organization:
        folder /= task.organization
    folder = (
        folder
        / task.account
        / "CloudTrail"
        / task.region
        / f"{year}"
        / f"{month:02d}"
        / f"{task.day:02d}"
    )
    folder.mkdir(parents=True, exist_ok=True)
    window = 86_400 // task.files
    records_written = 0
    for index in range(task.files):
        start = index * window
        offsets = sorted(rng.randrange(window) for _ in range(RECORDS_PER_FILE))
        records = []
        for offset, template in zip(
            offsets, rng.choices(templates, weights=weights, k=RECORDS_PER_FILE), strict=True
        ):
            seconds = start + offset
            record = dict(template.record)
            record["eventTime"] = (
                f"{year}-{month:02d}-{task.day:02d}T{seconds // 3600:02d}:"
                f"{seconds // 60 % 60:02d}:{seconds % 60:02d}Z"
            )
            unique = f"{rng.getrandbits(128):032x}"
            record["eventID"] = (
                f"{unique[:8]}-{unique[8:12]}-{unique[12:16]}-{unique[16:20]}-{unique[20:]}"
            )
            record["requestID"] = unique[:20].upper()
            record["awsRegion"] = task.region
            record["recipientAccountId"] = task.account
            if template.pooled:
                record["userIdentity"] = rng.choice(principals)
                record["sourceIPAddress"] = rng.choice(addresses)
            records.append(record)
        end = start + window
        stamp = f"{year}{month:02d}{task.day:02d}T{end // 3600 % 24:02d}{end // 60 % 60:02d}Z"
        suffix = f"{rng.getrandbits(64):016x}"
        name = f"{task.account}_CloudTrail_{task.region}_{stamp}_{suffix}.json.gz"
        body = json.dumps({"Records": records}, separators=(",", ":")).encode()
        (folder / name).write_bytes(gzip.compress(body, compresslevel=6, mtime=0))
        records_written += len(records)
    return task.files, records_written


def build_corpus(corpus: Path, records: int, days: int = DAYS) -> dict[str, Any]:
    """Write the corpus of ``days`` days under ``corpus/AWSLogs`` (reused if its manifest
    matches)."""
    partitions = days * sum(len(regions) for _, _, regions in TRAILS)
    files_per_partition = max(1, round(records / RECORDS_PER_FILE / partitions))
    wanted = {
        "days": days,
        "records_per_file": RECORDS_PER_FILE,
        "files_per_partition": files_per_partition,
        "trails": [[org, account, list(regions)] for org, account, regions in TRAILS],
        "version": 1,
    }
    manifest = corpus / MANIFEST
    if manifest.exists():
        existing = json.loads(manifest.read_text())
        if existing.get("parameters") == wanted:
            print(f"reusing the corpus in {corpus}")
            return dict(existing)
    tasks = [
        _Task(day, organization, account, region, files_per_partition, seed=day * 1000 + number)
        for day in range(1, days + 1)
        for number, (organization, account, region) in enumerate(
            (org, acc, reg) for org, acc, regions in TRAILS for reg in regions
        )
    ]
    started = time.perf_counter()
    log_root = corpus / "AWSLogs"
    with ProcessPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        counts = list(pool.map(_write_partition, tasks, [log_root] * len(tasks)))
    result: dict[str, Any] = {
        "parameters": wanted,
        "files": sum(files for files, _ in counts),
        "records": sum(written for _, written in counts),
        "bytes": sum(path.stat().st_size for path in log_root.rglob("*.json.gz")),
    }
    manifest.write_text(json.dumps(result, indent=2))
    print(
        f"generated {result['records']:,} records in {result['files']:,} files "
        f"({result['bytes'] / 1e6:,.0f} MB gzipped) in {time.perf_counter() - started:.1f} s"
    )
    return result


# --- measurements ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Timing:
    best: float  # wall seconds
    median: float
    cpu: float  # CPU seconds of this process (every DuckDB thread) and the decoder's workers


def _run_once(function: Callable[[], T]) -> tuple[tuple[float, float], T]:
    """``function``'s value, its wall seconds and CPU seconds (the decoder's workers too)."""
    started, cpu_started = time.perf_counter(), time.process_time()
    value = function()
    workers = float(getattr(value, "worker_cpu_seconds", 0.0))
    return (time.perf_counter() - started, time.process_time() - cpu_started + workers), value


def _timing(runs: list[tuple[float, float]]) -> _Timing:
    best = min(runs)
    return _Timing(best[0], statistics.median(wall for wall, _ in runs), best[1])


def _timed(function: Callable[[], T], repeat: int) -> tuple[_Timing, T]:
    runs = []
    for _ in range(repeat):
        run, value = _run_once(function)
        runs.append(run)
    return _timing(runs), value


def _alternated(
    long: Callable[[], T], short: Callable[[], T], repeat: int
) -> tuple[tuple[_Timing, T], tuple[_Timing, T]]:
    """``long`` ``repeat`` times and ``short`` twice as often, in turn (long, short, short, long,
    ...): a shared machine's speed changes from second to second, and their ratio is only
    fair when both are timed in the same moments."""
    long_runs, short_runs = [], []
    for _ in range(repeat):
        run, long_value = _run_once(long)
        long_runs.append(run)
        for _ in range(2):
            run, short_value = _run_once(short)
            short_runs.append(run)
    return (_timing(long_runs), long_value), (_timing(short_runs), short_value)


def _denied(error_code: str | None) -> bool:
    if not error_code:
        return False
    return error_code.startswith(
        ("AccessDenied", "Client.AccessDenied", "Unauthorized")
    ) or error_code.endswith("UnauthorizedOperation")


def python_loop(paths: list[Path]) -> tuple[int, Counter[str]]:
    """The same answer as the full-scan query, with gzip + json: records read, denials."""
    seen = 0
    denied: Counter[str] = Counter()
    for path in paths:
        with gzip.open(path, "rb") as handle:
            records = json.load(handle)["Records"]
        seen += len(records)
        for record in records:
            if _denied(record.get("errorCode")):
                identity = record.get("userIdentity") or {}
                principal = (
                    identity.get("arn") or identity.get("principalId") or identity.get("invokedBy")
                )
                denied[str(principal)] += 1
    return seen, denied


def _iter_days(first: int, last: int) -> Iterator[str]:
    year, month = FIRST_DAY
    for day in range(first, last + 1):
        yield f"{year}/{month:02d}/{day:02d}"


def measure(corpus: Path, manifest: dict[str, Any], threads: int | None, repeat: int) -> bool:
    # Imported here, after the corpus processes have forked: constructs_obs starts the jsii
    # kernel (a Node.js process) when it is imported.
    from constructs_obs.audit import LocalAuditEngine, load_queries  # noqa: PLC0415

    records = int(manifest["records"])
    day_count = int(manifest["parameters"]["days"])
    days = list(_iter_days(1, day_count))
    month = {"start_day": days[0], "end_day": days[-1]}
    one_day = {"start_day": days[day_count // 2], "end_day": days[day_count // 2]}
    engine = LocalAuditEngine(corpus, threads=threads)
    print(f"\ncorpus: {records:,} records, {manifest['files']:,} files, {day_count} days")
    print(f"DuckDB threads: {threads or os.cpu_count()}; best of {repeat} runs (median)\n")

    engine.run(FULL_SCAN_QUERY, one_day)  # warm the caches (translation, file system)
    (full_time, full), (day_time, day) = _alternated(
        lambda: engine.run(FULL_SCAN_QUERY, month),
        lambda: engine.run(FULL_SCAN_QUERY, one_day),
        repeat,
    )
    full_rate = records / full_time.best
    speed_up = full_time.best / day_time.best
    full_files = len(full.files_scanned)
    day_files = len(day.files_scanned)
    print(f"full scan, {FULL_SCAN_QUERY} over {day_count} days ({full_files} files):")
    print(f"  {full_time.best:.2f} s ({full_time.median:.2f} s)  ->  {full_rate:,.0f} records/s")
    print(
        f"  {full_time.cpu:.2f} CPU s  ->  {records / full_time.cpu:,.0f} records per CPU second "
        "(what a shared machine does not change)"
    )
    duckdb_only = LocalAuditEngine(corpus, threads=threads, fast_json=False)
    duckdb_time, duckdb_full = _timed(lambda: duckdb_only.run(FULL_SCAN_QUERY, month), repeat)
    same = duckdb_full.rows == full.rows
    print(
        f"  DuckDB's JSON reader alone (fast_json=False): {duckdb_time.best:.2f} s "
        f"({duckdb_time.median:.2f} s)  ->  {records / duckdb_time.best:,.0f} records/s, "
        f"{duckdb_time.cpu:.2f} CPU s; the same answer: {same}"
    )
    print(f"one-day query ({day_files} files):")
    print(
        f"  {day_time.best:.3f} s ({day_time.median:.3f} s)  ->  "
        f"{speed_up:.1f}x faster than the full scan"
    )

    paths = [log_file.path for log_file in engine.list_files()]
    python_time, (seen, denied) = _timed(lambda: python_loop(paths), 1)
    python_rate = seen / python_time.best
    engine_denied = {row[0]: row[2] for row in full.rows}
    agree = same and seen == records and engine_denied == dict(denied)
    print("plain Python gzip + json loop, same files, same answer:")
    print(f"  {python_time.best:.2f} s  ->  {python_rate:,.0f} records/s")
    print(
        f"  {python_time.cpu:.2f} CPU s  ->  {seen / python_time.cpu:,.0f} records per CPU second"
    )
    print(f"  the engine is {full_rate / python_rate:.1f}x faster; answers agree: {agree}")

    print(f"\nevery query over the {day_count} days (one run each):")
    extra = {
        "bucket_name": "finance-reports",
        "access_key_id": "AKIAEXAMPLE000000007",
        "source_ip": "192.0.2.0",
        "principal_arn": "arn:aws:iam::123456789012:role/role03",
    }
    for name, query in load_queries().items():
        params = {**month, **{param: extra[param] for param in query.params[2:]}}
        result = engine.run(name, params)
        seconds = result.elapsed_seconds
        print(
            f"  {name:<28} {seconds:6.2f} s  {records / seconds:>10,.0f} records/s  "
            f"{len(result.rows):>6} rows"
        )
    star = engine.run_sql("SELECT count(*) FROM (SELECT * FROM cloudtrail_logs)")
    print(
        f"  {'SELECT * (every column)':<28} {star.elapsed_seconds:6.2f} s  "
        f"{records / star.elapsed_seconds:>10,.0f} records/s"
    )

    cached_rate, cached_agree = measure_cache(corpus, threads, repeat, full)

    ok_rate = full_rate >= FLOOR_RECORDS_PER_SECOND
    ok_cached = cached_rate >= FLOOR_RECORDS_PER_SECOND
    ok_speed_up = speed_up >= FLOOR_SPEED_UP
    agree = agree and cached_agree
    print(
        f"\nfloors: full scan of the JSON >= {FLOOR_RECORDS_PER_SECOND:,} records/s: "
        f"{'ok' if ok_rate else 'MISSED'}; from the cache: {'ok' if ok_cached else 'MISSED'}; "
        f"one day >= {FLOOR_SPEED_UP:.0f}x faster: {'ok' if ok_speed_up else 'MISSED'}; "
        f"answers agree: {'ok' if agree else 'MISSED'}"
    )
    return ok_rate and ok_cached and ok_speed_up and agree


def measure_cache(
    corpus: Path, threads: int | None, repeat: int, expected: QueryResult
) -> tuple[float, bool]:
    """The full scan with a Parquet cache (``cache=``): filling it, then reading it; the
    cached records/s and whether its answer is the JSON scan's."""
    from constructs_obs.audit import LocalAuditEngine  # noqa: PLC0415 - see measure()

    manifest = json.loads((corpus / MANIFEST).read_text())
    records = int(manifest["records"])
    days = list(_iter_days(1, int(manifest["parameters"]["days"])))
    month = {"start_day": days[0], "end_day": days[-1]}
    with tempfile.TemporaryDirectory(prefix="constructs-obs-audit-cache-") as folder:
        engine = LocalAuditEngine(corpus, threads=threads, cache=folder)
        fill_time, filled = _timed(lambda: engine.run(FULL_SCAN_QUERY, month), 1)
        cached_time, cached = _timed(lambda: engine.run(FULL_SCAN_QUERY, month), repeat)
        size = sum(path.stat().st_size for path in Path(folder).rglob("*") if path.is_file())
    rate = records / cached_time.best
    agree = filled.rows == cached.rows == expected.rows
    print(f"\nthe same full scan with a Parquet cache (cache=, {size / 1e6:,.0f} MB on disk):")
    print(f"  filling it (the first query): {fill_time.best:.2f} s, {fill_time.cpu:.2f} CPU s")
    print(
        f"  reading it: {cached_time.best:.2f} s ({cached_time.median:.2f} s)  ->  "
        f"{rate:,.0f} records/s; answers agree with the JSON scan: {agree}"
    )
    return rate, agree


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--records", type=int, default=1_008_000, help="approximate corpus size")
    parser.add_argument("--corpus", type=Path, default=None, help="keep the corpus here")
    parser.add_argument("--threads", type=int, default=None, help="DuckDB threads")
    parser.add_argument("--repeat", type=int, default=5, help="runs per measurement")
    parser.add_argument(
        "--days",
        type=int,
        choices=range(2, DAYS + 1),
        default=DAYS,
        metavar=f"2..{DAYS}",
        help=f"days of log files (default {DAYS}; the floors assume {DAYS})",
    )
    args = parser.parse_args(argv)
    if args.corpus is not None:
        args.corpus.mkdir(parents=True, exist_ok=True)
        manifest = build_corpus(args.corpus, args.records, args.days)
        return 0 if measure(args.corpus, manifest, args.threads, args.repeat) else 1
    with tempfile.TemporaryDirectory(prefix="constructs-obs-audit-bench-") as folder:
        corpus = Path(folder)
        manifest = build_corpus(corpus, args.records, args.days)
        return 0 if measure(corpus, manifest, args.threads, args.repeat) else 1


if __name__ == "__main__":
    sys.exit(main())
