# R's own answers for the formatting rules mixwidget copies (mixwidget/rformat.py):
# format(), round(), zapsmall(), format.pval(), abbreviate(), printCoefmat().
# Usage: Rscript make_rformat_cases.R OUT.json
suppressMessages(library(jsonlite))
options(width = 80)
out <- commandArgs(trailingOnly = TRUE)[1]
vectors <- list(
  c(0.010426, 0.238684), c(-3.6807, -0.6051, 0.0519, 0.5413, 3.572), c(1e-5), c(123456789), c(0.1, 0.25, 100),
  c(1.5e-10, 2, 3), c(0, 1, -1), c(5546.5), c(247), c(1e15, 1), c(-0.000123, 45.6), c(99999.5), c(0.99996),
  c(1/3, 2/3), c(pi * 1e5, exp(1)), c(1e-300, 1), c(12345.678, 0.001), c(-2.5e-8), c(7, NA, 3.25),
  c(0.047733, 0.000231, 0.00156), c(6.33795, 0.31156, 527.69588, 0.03833)
)
fmt <- list()
for (v in vectors) for (d in c(1, 3, 4, 7)) for (ns in c(0, 3))
  fmt[[length(fmt) + 1]] <- list(x = v, digits = d, nsmall = ns, out = format(v, digits = d, nsmall = ns))
rnd <- list()
for (x in c(0.15435, 2.675, -1.005, 0.125, 0.135, 1234.5678, 5.5, 6.5, -0.0004999, 1e-20)) for (d in c(0, 1, 2, 3))
  rnd[[length(rnd) + 1]] <- list(x = x, digits = d, out = round(x, d))
zap <- list(
  list(x = c(-2.07923366547833, -0.671396851014064, 0.0629221638292737, 0.583771205070324, 2.97958580516534), digits = 5),
  list(x = c(-2.69266476012933, 0.154350384452102, 2.55840768138182), digits = 5),
  list(x = c(-123.4567, 1e-9, 88.1), digits = 5), list(x = c(0.0012345, -0.00055), digits = 3))
for (i in seq_along(zap)) zap[[i]]$out <- zapsmall(zap[[i]]$x, zap[[i]]$digits)
pvals <- list(c(1e-60, 1e-30, 0.047733, 0.000231, 0.00156), c(1e-60, 0.0636, 0.0304), c(7e-57, 0.022681, 0.000713, 1.03e-05),
  c(0.5, 0.99999, 1), c(1e-60), c(3.26e-06, 1e-60), c(0.0001234, 0.2), c(NA, 0.04))
pv <- lapply(pvals, function(p) list(p = p, digits = 3, out = format.pval(p, digits = 3)))
# One p-value at a time, as a table cell shows it (the page and summary_html): format.pval(p, digits = 3).
singles <- c(0.5, 0.99999, 1, 0.1, 0.05, 0.0499999, 0.01, 0.001, 0.0001, 0.00015, 0.0001234, 0.000178, 9.99e-05,
             5e-05, 3.26e-06, 1.03e-05, 1.2e-08, 1.2345e-08, 2.5e-10, 1.2e-41, 1e-300, 2.3e-16, 2e-16, 1e-60,
             0.047733, 0.0636, 0.0304, 0.117, 0.063554383731057, 0.0304152623676568, 2.37305852329082e-41, 0)
pv1 <- lapply(singles, function(p) list(p = p, out = format.pval(p, digits = 3)))
names_sets <- list(c("(Intercept)", "Time", "Time:Diet2", "Time:Diet3", "Time:Diet4"), c("(Intercept)", "sexm", "PrivPubpublic"),
  c("temperature.L", "temperature.Q", "temperature.C", "temperature^4", "recipeB:temperature.L", "recipeC:temperature.L"),
  c("poly(Days, 2)1", "poly(Days, 2)2", "I(Days^2)", "log(dose)"), c("aaaaaaaa", "aaaaaaab", "ab cd ef gh", "Treatment"))
abb <- list()
for (n in names_sets) for (m in c(4, 6, 11)) abb[[length(abb) + 1]] <- list(names = n, minlength = m, out = unname(abbreviate(n, m)))
cm <- list()
set.seed(1)
for (k in 1:4) {
  p <- c(2, 5, 14, 3)[k]
  est <- c(6.33795, 0.31156, -0.0000123, 1234.5, 0.5)[1 + (seq_len(p) - 1) %% 5] * (1 + (1:p) / 7)
  se <- abs(est) / c(2, 40, 0.8, 900, 3)[1 + (seq_len(p) - 1) %% 5]
  df <- c(527.69588, 17, 1379.48, 5.4866, 44.1)[1 + (seq_len(p) - 1) %% 5]
  t <- est / se
  pval <- 2 * pt(-abs(t), df)
  m <- cbind(Estimate = est, `Std. Error` = se, df = df, `t value` = t, `Pr(>|t|)` = pval)
  rownames(m) <- paste0("x", seq_len(p), c("", ":long_name_here")[1 + (seq_len(p) %% 2)])
  cm[[k]] <- list(table = unname(m), rownames = rownames(m), colnames = colnames(m),
                  out = capture.output(printCoefmat(m, digits = 4)))
}
# Character matrices as lme4 prints them (print(quote = FALSE)): wide ones wrap their columns at width 80.
mats <- list()
for (p in c(4, 12, 16)) for (right in c(FALSE, TRUE)) {
  names <- abbreviate(c("(Intercept)", paste0("temperature", seq_len(p - 1), c("", ":recipeB")[1 + (seq_len(p - 1) %% 2)])), 6)
  x <- matrix(format(round(cos(outer(1:p, 1:p)), 3), nsmall = 3), p, p, dimnames = list(paste0(names, "_row"), names))
  x[!lower.tri(x)] <- ""
  mats[[length(mats) + 1]] <- list(cells = unname(x), rownames = rownames(x), colnames = colnames(x), right = right,
                                   out = capture.output(print(x, quote = FALSE, right = right)))
}
# Long formulas: deparse() breaks them after an operator once a line passes 60 characters, and
# lme4 prints the pieces with cat("Formula:", ..., fill = TRUE).
formulas <- c(
  "y ~ x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9 + x10 + x11 + x12 + (1 | group) + (x1 | group2)",
  "Reaction ~ Days + I(Days^2) + log(Days + 1) + (Days | Subject) + (1 | Subject:Days)",
  "sqrt(weight) ~ (Time + Diet + log(Time + 1))^2 + (Time | Chick)",
  "response_variable_with_a_long_name ~ predictor_one * predictor_two + predictor_three + (1 + predictor_one | grouping_factor) + (1 | other_grouping_factor:third)",
  "y ~ poly(Days, 2, raw = TRUE) + scale(Days) + factor(Days) + offset(log(Days + 1)) + I(Days > 10) + Days %in% Subject + (Days || Subject)",
  "angle ~ recipe * temperature + (1 | recipe:replicate)")
dep <- lapply(formulas, function(f) {
  g <- as.formula(f)
  list(formula = f, deparse = deparse(g), printed = capture.output(cat("Formula:", deparse(g), fill = TRUE)))
})
write(toJSON(list(format = fmt, round = rnd, zapsmall = zap, format_pval = pv, format_pval_single = pv1, abbreviate = abb, coefmat = cm, matrix = mats,
                  deparse = dep),
             digits = NA, na = "null", pretty = FALSE, auto_unbox = FALSE), out)
cat("wrote", out, "\n")
