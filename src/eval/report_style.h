#pragma once
// The HTML report's style sheet, inlined into every page (no external references).

namespace linlearn::detail {

inline constexpr const char* kReportStyle = R"css(
*{box-sizing:border-box}
body{margin:0;background:#f4f5f7;color:#1f2430;font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif}
main{max-width:1160px;margin:0 auto;padding:28px 24px 40px}
header h1{font-size:24px;margin:0 0 2px}
.muted{color:#6b7280;font-weight:400}
.subtitle{color:#6b7280;margin:0}
.stats{display:grid;grid-template-columns:repeat(auto-fill,minmax(170px,1fr));gap:12px;margin-top:18px}
.stat{background:#fff;border:1px solid #e3e6eb;border-radius:10px;padding:12px 14px}
.stat .label{font-size:11px;color:#6b7280;text-transform:uppercase;letter-spacing:.05em}
.stat.wide{grid-column:span 2}
.stat .value{font-size:19px;font-weight:600;margin-top:2px}
.card{background:#fff;border:1px solid #e3e6eb;border-radius:10px;padding:18px 22px;margin-top:18px;box-shadow:0 1px 2px rgba(16,24,40,.04)}
h2{font-size:16px;margin:0 0 12px}
h2 .muted{font-size:13px}
table{border-collapse:collapse}
.table th,.table td{padding:6px 14px;border-bottom:1px solid #eef0f3;text-align:right;font-variant-numeric:tabular-nums}
.table th{font-size:12px;color:#6b7280;font-weight:600;text-transform:uppercase;letter-spacing:.04em}
.table th:first-child,.table td:first-child{text-align:left;padding-left:0}
.table td:first-child{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:13px}
.badge{display:inline-block;padding:1px 9px;border-radius:999px;font-size:12px;font-weight:600;vertical-align:middle}
.good{background:#dcfce7;color:#166534}.warning{background:#fef3c7;color:#92400e}
.error{background:#fee2e2;color:#991b1b}.info{background:#dbeafe;color:#1e40af}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(440px,1fr));gap:18px 24px}
figure{margin:0}
figcaption{font-size:13px;font-weight:600;margin-bottom:2px}
svg.chart{max-width:100%;height:auto;display:block}
.note{color:#6b7280;font-size:13px;margin:8px 0 0}
ul.diagnostics{list-style:none;margin:0;padding:0}
ul.diagnostics li{padding:8px 0;border-bottom:1px solid #eef0f3}
ul.diagnostics li:last-child{border-bottom:0}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:13px}
.suggestion{color:#4b5563;margin-left:2px}
.kv{display:grid;grid-template-columns:repeat(auto-fill,minmax(300px,1fr));column-gap:28px}
.kv div{display:flex;justify-content:space-between;align-items:baseline;gap:12px;border-bottom:1px solid #eef0f3;padding:4px 0}
.kv div.long{grid-column:1/-1}
.kv .k{color:#4b5563}
.kv .v{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:13px;text-align:right;white-space:nowrap}
.kv .long .v{white-space:normal;min-width:0;overflow-x:auto}
.scroll{overflow-x:auto}
.scroll.tall{max-height:640px;overflow-y:auto}
.models th,.models td{white-space:nowrap}
.models td.status,.models th:nth-child(2){text-align:left}
.models td.differences,.models th:last-child{text-align:left;white-space:normal}
.models td.differences{font-size:12px;color:#4b5563}
.models tr.selected td{background:#eff6ff}
.alert{border-color:#fecaca;background:#fef2f2}
.alert h2{color:#991b1b}
.alert p{margin:0}
.confusion th,.confusion td{padding:0 6px;min-width:40px;height:32px;text-align:center;font-size:12px;font-variant-numeric:tabular-nums}
.confusion td{border:1px solid #fff}
.confusion th{color:#6b7280;font-weight:600}
.confusion .corner{font-weight:400;font-size:11px;text-align:left}
.confusion .total{background:#f4f5f7;color:#1f2430;font-weight:600}
footer{color:#9ca3af;font-size:12px;margin-top:20px;text-align:center}
)css";

}  // namespace linlearn::detail
