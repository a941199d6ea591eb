# Reference output for mixwidget's simulation checks and confidence intervals.
# Run from this folder:  Rscript make_simulation_reference.R  (writes simulation_reference.json)
suppressMessages({library(lme4); library(lmerTest); library(jsonlite)})
science <- read.csv("science.csv", stringsAsFactors = TRUE, na.strings = c("NA", ""))
science$school <- factor(science$school); science$class <- factor(science$class)
science$sex <- factor(science$sex); science$PrivPub <- factor(science$PrivPub)
science <- science[complete.cases(science[, c("like", "sex", "PrivPub", "school", "class")]), ]
truth <- lmer(like ~ sex + PrivPub + (1 | school) + (1 | school:class), data = science)

ci_table <- function(ci) list(parameter = rownames(ci), lower = unname(ci[, 1]), upper = unname(ci[, 2]))
out <- list(lme4 = as.character(packageVersion("lme4")), lmerTest = as.character(packageVersion("lmerTest")))
out$science_wald <- ci_table(confint(truth, method = "Wald", oldNames = FALSE))
out$science_profile <- ci_table(suppressWarnings(confint(truth, method = "profile", oldNames = FALSE)))
set.seed(20261128)
out$science_boot <- ci_table(suppressWarnings(suppressMessages(confint(truth, method = "boot", nsim = 500, oldNames = FALSE))))
sleep <- lmer(Reaction ~ Days + (Days | Subject), data = sleepstudy)
out$sleep_wald <- ci_table(confint(sleep, method = "Wald", oldNames = FALSE))
out$sleep_profile <- ci_table(suppressWarnings(confint(sleep, method = "profile", oldNames = FALSE)))
set.seed(20261128)
out$sleep_boot <- ci_table(suppressWarnings(suppressMessages(confint(sleep, method = "boot", nsim = 500, oldNames = FALSE))))

# The simulation check itself: PrivPub's effect set to zero in the school + class fit,
# every candidate refitted to every simulated response, tests by lmerTest (Satterthwaite) and lm.
nsim <- 500
set.seed(1)
sims <- simulate(truth, nsim = nsim)
X <- getME(truth, "X")
sims <- sims - X[, "PrivPubpublic"] * fixef(truth)[["PrivPubpublic"]]
candidates <- c(school_class = "like ~ sex + PrivPub + (1 | school) + (1 | school:class)",
                school = "like ~ sex + PrivPub + (1 | school)",
                least_squares = "like ~ sex + PrivPub")
study <- list()
for (name in names(candidates)) {
  f <- as.formula(candidates[[name]])
  est <- se <- p <- cover <- numeric(nsim); singular <- logical(nsim)
  for (i in seq_len(nsim)) {
    d <- science; d$like <- sims[[i]]
    if (name == "least_squares") {
      m <- lm(f, data = d); co <- coef(summary(m))["PrivPubpublic", ]
      dfr <- m$df.residual; est[i] <- co[1]; se[i] <- co[2]; p[i] <- co[4]; singular[i] <- FALSE
    } else {
      m <- suppressMessages(suppressWarnings(lmerTest::lmer(f, data = d)))
      co <- coef(summary(m))["PrivPubpublic", ]
      dfr <- co[["df"]]; est[i] <- co[[1]]; se[i] <- co[[2]]; p[i] <- co[[5]]; singular[i] <- isSingular(m)
    }
    cover[i] <- abs(est[i]) <= qt(0.975, dfr) * se[i]
  }
  study[[name]] <- list(formula = candidates[[name]], rejection_rate = mean(p < 0.05), coverage = mean(cover),
                        mean_se = mean(se), sd_estimate = sd(est), singular_rate = mean(singular), nsim = nsim)
}
out$study <- study
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE), "simulation_reference.json")
