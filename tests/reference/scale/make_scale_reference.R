# Predictors of large magnitude and small spread: Unix milliseconds, 1e8 plus a spread of 1000,
# nanoseconds since the epoch. Run from this folder:  Rscript make_scale_reference.R
# Writes scale.csv (the data) and scale_reference.json: R's lm(), and lmer() fitted on the centred
# and scaled predictor with its estimates transformed back (the exact answer: the model is the
# same), beside lmer() on the raw column (which loses digits: its ms and ns slopes differ by 1e-5).
suppressMessages({library(lme4); library(lmerTest); library(jsonlite)})
set.seed(42)
n <- 240; g <- rep(1:24, each = 10); t <- runif(n)
y <- 2 * t + rnorm(24)[g] + rnorm(n)
d <- data.frame(y = y, g = g, ms = 1.7e12 + t * 86400e3, big = 1e8 + t * 1000, ns = 1.7e18 + t * 86400e9)
write.csv(d, "scale.csv", row.names = FALSE)
d <- read.csv("scale.csv"); d$g <- factor(d$g)   # the values as the tests read them
out <- list(lme4 = as.character(packageVersion("lme4")))
for (x in c("ms", "big", "ns")) {
  m <- lm(reformulate(x, "y"), d)
  co <- coef(summary(m))
  s <- sd(d[[x]]); mu <- mean(d[[x]])
  d$xc <- (d[[x]] - mu) / s
  mc <- lmerTest::lmer(y ~ xc + (1 | g), d)
  b <- fixef(mc); V <- as.matrix(vcov(mc))
  Tm <- matrix(c(1, 0, -mu / s, 1 / s), 2, 2)   # (Intercept, x) = Tm %*% (Intercept, xc)
  beta <- as.vector(Tm %*% b); se <- sqrt(diag(Tm %*% V %*% t(Tm)))
  cc <- coef(summary(mc))
  raw <- suppressWarnings(lmer(reformulate(c(x, "(1 | g)"), "y"), d))
  out[[x]] <- list(lm = list(estimate = unname(co[, 1]), se = unname(co[, 2]), t = unname(co[, 3])),
                   lmer = list(estimate = beta, se = se, t = beta / se, slope_df = cc[2, "df"],
                               sigma = sigma(mc),
                               # the REML log-likelihood of the model as written: log|X'V^-1 X| of the raw
                               # columns is that of the centred ones plus 2 log|det Tm|, so add log|det Tm|
                               logLik = as.numeric(logLik(mc)) + log(abs(det(Tm))),
                               sd_g = attr(VarCorr(mc)$g, "stddev")[[1]]),
                   lmer_raw = list(estimate = unname(fixef(raw)), t = unname(coef(summary(raw))[, 3]),
                                   logLik = as.numeric(logLik(raw))))
}
# The intercept's Satterthwaite df (a contrast of the centred fit's coefficients), by lmerTest:
d$xc <- (d$ns - mean(d$ns)) / sd(d$ns)
mc <- lmerTest::lmer(y ~ xc + (1 | g), d)
out$ns$lmer$intercept_df <- lmerTest::contest1D(mc, c(1, -mean(d$ns) / sd(d$ns)))$df
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE), "scale_reference.json")
