# R's answers for the API checks of tests/test_glmm_api.py: separated outcomes (glmer fails, glm runs
# off), latent-scale shares from glmer's variances, anova() of a Gaussian and a binomial fit, the
# Weights line of summary(), and glmer given REML = TRUE.
# Usage (in a directory holding ohio.csv and cbpp.csv, written by data.py):
#   Rscript make_api_reference.R OUT.json
suppressMessages({library(lme4); library(jsonlite)})
args <- commandArgs(trailingOnly = TRUE)
caught <- function(expr) {
  warnings <- character(0)
  value <- withCallingHandlers(tryCatch(expr, error = function(e) structure(conditionMessage(e), class = "failed")),
                               warning = function(w) {warnings <<- c(warnings, conditionMessage(w)); invokeRestart("muffleWarning")})
  list(value = value, warnings = warnings)
}
coefs <- function(m) {cf <- coef(summary(m)); list(names = rownames(cf), estimate = unname(cf[, 1]), se = unname(cf[, 2]))}
out <- list(lme4 = as.character(packageVersion("lme4")))

ohio <- read.csv("ohio.csv")
ohio$id <- factor(ohio$id)
# complete separation: every outcome told by age: glmer fails on some such data with "pwrssUpdate did
# not converge", and on other returns numbers that mean nothing
ohio$sep <- as.integer(ohio$age >= 0)
g <- caught(glmer(sep ~ age + smoke + (1 | id), ohio, family = binomial))
out$complete_glmer <- if (inherits(g$value, "failed")) list(error = unclass(g$value), warnings = g$warnings) else
  c(coefs(g$value), list(warnings = g$warnings, variance = as.data.frame(VarCorr(g$value))$vcov))
l <- caught(glm(sep ~ age + smoke, ohio, family = binomial))
out$complete_glm <- c(coefs(l$value), list(warnings = l$warnings))
# quasi-complete separation: every outcome at age 1 ("late") is 0
ohio$late <- ifelse(ohio$age >= 1, "late", "early")
ohio$resp2 <- ifelse(ohio$late == "late", 0L, ohio$resp)
q <- caught(glm(resp2 ~ late, ohio, family = binomial))
out$quasi_glm <- c(coefs(q$value), list(warnings = q$warnings))
qm <- caught(glmer(resp2 ~ late + (1 | id), ohio, family = binomial))
out$quasi_glmer <- if (inherits(qm$value, "failed")) list(error = unclass(qm$value), warnings = qm$warnings) else
  c(coefs(qm$value), list(warnings = qm$warnings))

cbpp <- read.csv("cbpp.csv")
cbpp$herd <- factor(cbpp$herd); cbpp$period <- factor(cbpp$period)
shares <- list()
for (link in c("logit", "probit", "cloglog")) {
  m <- glmer(cbind(incidence, size - incidence) ~ period + (1 | herd), cbpp, family = binomial(link = link))
  v <- as.data.frame(VarCorr(m))$vcov
  residual <- c(logit = pi^2 / 3, probit = 1, cloglog = pi^2 / 6)[[link]]
  shares[[link]] <- list(variance = v, herd = v / (v + residual))
}
# Poisson, log link: ln(1 + 1/lambda), lambda = mean(exp(X beta + offset)) * exp(variance / 2)
m <- glmer(incidence ~ period + offset(log(size)) + (1 | herd), cbpp, family = poisson)
v <- as.data.frame(VarCorr(m))$vcov
lambda <- mean(exp(model.matrix(m) %*% fixef(m) + log(cbpp$size))) * exp(v / 2)
shares$poisson <- list(variance = v, herd = v / (v + log(1 + 1 / lambda)))
out$shares <- shares

# anova() of a Gaussian (lmer) and a binomial (glmer) fit of the same 0/1 response
ohio$resp01 <- ohio$resp
lm1 <- lmer(resp01 ~ smoke + (1 | id), ohio, REML = FALSE)
gl1 <- glmer(resp01 ~ smoke + (1 | id), ohio, family = binomial)
a <- caught(anova(lm1, gl1))
out$anova_gaussian_binomial <- list(
  failed = inherits(a$value, "failed"), warnings = a$warnings,
  text = if (inherits(a$value, "failed")) unclass(a$value) else capture.output(print(a$value)))

# The Weights line: R prints the weights argument's expression
w <- cbpp$size
header <- function(m) grep("^Weights:", capture.output(print(summary(m))), value = TRUE)
out$weights_line <- list(
  column = header(glmer(prop ~ period + (1 | herd), transform(cbpp, prop = incidence / size), family = binomial,
                        weights = size)),
  vector = header(glmer(prop ~ period + (1 | herd), transform(cbpp, prop = incidence / size), family = binomial,
                        weights = w)))

# glmer has no REML argument: given one, it refuses
r <- caught(glmer(cbind(incidence, size - incidence) ~ period + (1 | herd), cbpp, family = binomial, REML = TRUE))
out$glmer_reml <- list(failed = inherits(r$value, "failed"), warnings = r$warnings,
                       error = if (inherits(r$value, "failed")) unclass(r$value) else NA)

writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE), args[1])
