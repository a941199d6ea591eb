# Reference intervals and simulation moments for models with an offset or prior weights, and
# profile intervals of every parameter. Run from this folder:
#   Rscript make_intervals_reference.R      (writes intervals_reference.json)
# The data are lme4's sleepstudy (the same 180 rows as mixwidget.load_dataset("sleepstudy")).
suppressMessages({library(lme4); library(jsonlite)})
data(sleepstudy, package = "lme4")
sleepstudy$off <- 10 * sleepstudy$Days
sleepstudy$w <- 1 + sleepstudy$Days %% 3

ci_table <- function(ci) list(parameter = rownames(ci), lower = unname(ci[, 1]), upper = unname(ci[, 2]))
summary_of <- function(m) list(fixef = as.list(fixef(m)), sigma = sigma(m),
                               varcorr = as.data.frame(VarCorr(m))$sdcor, logLik = as.numeric(logLik(m)))
intervals <- function(m, seed) {
  out <- summary_of(m)
  out$wald <- ci_table(confint(m, method = "Wald", oldNames = FALSE))
  out$profile <- ci_table(suppressWarnings(confint(m, method = "profile", oldNames = FALSE)))
  set.seed(seed)
  out$boot <- ci_table(suppressWarnings(suppressMessages(confint(m, method = "boot", nsim = 500, oldNames = FALSE))))
  out
}
# The model's moments of a simulated response: mean X beta + offset, variance
# Z Sigma Z' (diagonal) + sigma^2 / w; and R's simulate() at nsim = 4000 for the same.
moments <- function(m) {
  X <- getME(m, "X"); Z <- getME(m, "Z"); Lambda <- getME(m, "Lambda")
  off <- getME(m, "offset"); w <- weights(m)
  mean <- as.vector(X %*% fixef(m)) + off
  ZL <- Z %*% Lambda
  var <- sigma(m)^2 * (rowSums(as.matrix(ZL)^2) + 1 / w)
  set.seed(7)
  sims <- as.matrix(simulate(m, nsim = 4000))
  list(mean = mean, var = var, sim_mean = unname(rowMeans(sims)), sim_var = unname(apply(sims, 1, var)))
}

out <- list(lme4 = as.character(packageVersion("lme4")))
m_off <- lmer(Reaction ~ Days + offset(off) + (1 | Subject), data = sleepstudy)
out$offset <- c(intervals(m_off, 1), list(formula = "Reaction ~ Days + offset(off) + (1 | Subject)",
                                         moments = moments(m_off)))
m_w <- lmer(Reaction ~ Days + (1 | Subject), data = sleepstudy, weights = w)
out$weights <- c(intervals(m_w, 2), list(formula = "Reaction ~ Days + (1 | Subject)", weights = "w",
                                        moments = moments(m_w)))
m_wc <- lmer(Reaction ~ Days + (Days | Subject), data = sleepstudy, weights = w)
out$weights_corr <- c(summary_of(m_wc), list(formula = "Reaction ~ Days + (Days | Subject)", weights = "w",
  profile = ci_table(suppressWarnings(confint(m_wc, method = "profile", oldNames = FALSE)))))
m_ml <- lmer(Reaction ~ Days + (Days | Subject), data = sleepstudy, REML = FALSE)
out$sleep_ml <- c(summary_of(m_ml), list(formula = "Reaction ~ Days + (Days | Subject)", REML = FALSE,
  profile = ci_table(suppressWarnings(confint(m_ml, method = "profile", oldNames = FALSE))),
  profile_90 = ci_table(suppressWarnings(confint(m_ml, method = "profile", level = 0.9, oldNames = FALSE)))))

source("profile_by_definition.R")
out$offset$profile_by_definition <- profile_by_definition(m_off)
out$weights$profile_by_definition <- profile_by_definition(m_w)
out$weights_corr$profile_by_definition <- profile_by_definition(m_wc)
out$sleep_ml$profile_by_definition <- profile_by_definition(m_ml)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE), "intervals_reference.json")
