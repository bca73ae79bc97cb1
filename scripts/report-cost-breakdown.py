#!/usr/bin/env python3
"""Where a report's CPU goes: groups `perf script` on-CPU samples (with call stacks) of a report-cost child.

    perf script -i MODE.perf.data | scripts/report-cost-breakdown.py

Prints two tables: each sample given to exactly one cost (the first rule, in order, that any frame of its stack
matches: rules go from specific to generic), and the inclusive share of a few markers (how many samples have the
frame anywhere on the stack). The child must run with DOTNET_PerfMapEnabled=1 and DOTNET_EnableWriteXorExecute=0 so
JIT-compiled frames have names.
"""
import re
import sys
from collections import Counter

# (cost, regex over the whole stack text); first match wins, so the order goes from specific to generic.
EXCLUSIVE = [
    ("JIT compiler (late tiering)", r"libclrjit"),
    ("thread-pool worker spin-wait (sched_yield)", r"sched_yield|LowLevelSpinWaiter"),
    ("thread-pool worker park/unpark (futex)", r"LowLevelLifoSemaphore|ReleaseSemaphore|WorkerThread::MaybeAddWorkingWorker|EnsureThreadRequested|RequestWorker"),
    ("typed client: factory + DI per report", r"DefaultHttpClientFactory|AddTypedClientCore|ServiceProvider|CallSite|ActivatorUtilities|DefaultTypedHttpClientFactory"),
    ("CancellationTokenSource + its timer (per report)", r"CancellationTokenSource|CancellationTokenRegistration|CancellationToken::Register|TimerQueueTimer::Change|TimerQueueTimer::\.ctor|TimerQueueTimer::Close|TimerQueueTimer::Dispose"),
    ("collect + JSON (RuntimeMetricsCollector)", r"RuntimeMetricsCollector|RuntimeMetric|Utf8JsonWriter"),
    ("logging", r"Microsoft\.Extensions\.Logging|LoggerMessage|\bLog::"),
    ("instruments (System.Diagnostics.Metrics)", r"HerokuMetricsInstruments|System\.Diagnostics\.Metrics"),
    ("Polly", r"\[Polly"),
    ("request headers: build + format", r"HttpHeaders|HttpRequestHeaders|HttpContentHeaders|HeaderDescriptor|DateTime::ToString|DateTimeFormat"),
    ("response: parse status + headers", r"ParseHeaders|ParseStatusLine|HttpResponseMessage::\.ctor|HttpResponseHeaders"),
    ("HTTP send: HttpClient/SocketsHttpHandler/HttpConnection", r"System\.Net\.Http\]|\[System\.Net\.Http\]|HttpClient|HttpMessageInvoker|SocketsHttpHandler|HttpConnection"),
    ("sockets: send/receive + epoll engine", r"System\.Net\.Sockets|SocketAsyncEngine|SocketAsyncContext|epoll|tcp_|ip_|sock_|__sys_sendto|__sys_recvfrom|libSystem\.Native"),
    ("timer wake-ups (PeriodicTimer, timer thread)", r"TimerQueue|PeriodicTimer|TimerThread|WaitForNextTick"),
    ("async machinery (state machines, continuations, EC)", r"AsyncTaskMethodBuilder|AsyncValueTaskMethodBuilder|AsyncStateMachineBox|ExecutionContext|Task::|TaskContinuation|ValueTask|ManualResetValueTaskSource|IValueTaskSource"),
    ("thread-pool dispatch", r"ThreadPoolWorkQueue|PortableThreadPool|WorkerThread"),
    ("report loop (service, other)", r"HMetrics\.Hosting|ReportCostChild|LeanSpec"),
    ("GC / allocation (runtime, unresolved)", r"GCHeap|gc_heap|Alloc"),
    ("kernel: scheduler, syscalls, other", r"\[kernel|finish_task_switch|do_syscall|futex|schedule"),
    ("runtime (libcoreclr, unresolved)", r"libcoreclr"),
]

MARKERS = [
    ("HerokuMetricsService ReportAsync", r"HerokuMetricsService\+<ReportAsync>|HerokuMetricsService::ReportAsync"),
    ("HerokuMetricsClient PostAsync", r"HerokuMetricsClient"),
    ("SocketsHttpHandler / HttpConnection", r"SocketsHttpHandler|HttpConnection"),
    ("IHttpClientFactory.CreateClient", r"DefaultHttpClientFactory::CreateClient"),
    ("GetRequiredService (typed client)", r"GetRequiredService|AddTypedClientCore"),
    ("CancellationTokenSource", r"CancellationTokenSource"),
    ("RuntimeMetricsCollector.Collect", r"RuntimeMetricsCollector"),
    ("logging", r"Microsoft\.Extensions\.Logging"),
    ("Polly", r"\[Polly"),
    ("SocketAsyncEngine event loop", r"SocketAsyncEngine"),
    ("ThreadPoolWorkQueue.Dispatch", r"ThreadPoolWorkQueue::Dispatch"),
    ("LowLevelLifoSemaphore (worker idle)", r"LowLevelLifoSemaphore"),
    ("sched_yield", r"sched_yield"),
    ("TimerQueue (timer thread/fire)", r"TimerQueue"),
    ("JIT compiler", r"libclrjit"),
]


def samples(stream):
    frames = []
    for line in stream:
        line = line.rstrip("\n")
        if not line.strip():
            if frames:
                yield frames
            frames = []
            continue
        if line.startswith((" ", "\t")):
            frames.append(line.strip())
        else:
            frames = [line]
    if frames:
        yield frames


def main():
    exclusive = Counter()
    markers = Counter()
    total = 0
    rules = [(name, re.compile(rx)) for name, rx in EXCLUSIVE]
    marks = [(name, re.compile(rx)) for name, rx in MARKERS]
    for frames in samples(sys.stdin):
        total += 1
        stack = "\n".join(frames[1:])
        for name, rx in rules:
            if rx.search(stack):
                exclusive[name] += 1
                break
        else:
            exclusive["other"] += 1
        for name, rx in marks:
            if rx.search(stack):
                markers[name] += 1
    print(f"{total} on-CPU samples\n")
    print("| cost (each sample counted once) | share |")
    print("|---|---:|")
    for name, count in exclusive.most_common():
        print(f"| {name} | {100.0 * count / total:.1f}% |")
    print()
    print("| on the stack (inclusive) | share |")
    print("|---|---:|")
    for name, _ in MARKERS:
        print(f"| {name} | {100.0 * markers[name] / total:.1f}% |")


if __name__ == "__main__":
    main()
