# R's numbers for notebooks/06-binary-outcomes.ipynb (geepack's ohio: wheezing of 537 children at ages 7-10).
# Run where ohio.csv is (written by make.sh from mixwidget.load_dataset("ohio")):
#   Rscript make_ohio_lesson.R OUTFILE
suppressMessages({library(lme4); library(lmerTest); library(jsonlite)})
args <- commandArgs(trailingOnly = TRUE)
ohio <- read.csv("ohio.csv")
ohio$id <- factor(ohio$id)

mixed <- glmer(resp ~ age + smoke + (1 | id), family = binomial, data = ohio)   # Laplace
plain <- glm(resp ~ age + smoke, family = binomial, data = ohio)                 # no children
lpm <- lmer(resp ~ age + smoke + (1 | id), data = ohio)                          # linear probability, REML

coefs <- function(tab) list(names = rownames(tab), estimate = unname(tab[, 1]), se = unname(tab[, 2]),
                            stat = unname(tab[, grep("value", colnames(tab))[1]]), p = unname(tab[, ncol(tab)]))
z <- qnorm(0.975)
fe <- coef(summary(mixed))
odds <- list(names = rownames(fe), ratio = unname(exp(fe[, 1])), lower = unname(exp(fe[, 1] - z * fe[, 2])),
             upper = unname(exp(fe[, 1] + z * fe[, 2])))
vc <- as.data.frame(VarCorr(mixed))
re <- ranef(mixed, condVar = TRUE)$id

# A known child (482: mother smoked, wheezed at 9 and 10) and a new child, at age 9 (age = 0).
known <- data.frame(id = factor("482", levels = levels(ohio$id)), age = 0, smoke = 1)
new <- data.frame(id = "new", age = 0, smoke = c(0, 1))
tau <- sqrt(vc$vcov[1])
# The population's average probability: the child-specific probability averaged over the children's
# normal distribution of log-odds (what a plain logistic regression estimates).
averaged <- sapply(predict(mixed, new, re.form = NA), function(eta)
  integrate(function(u) plogis(eta + u) * dnorm(u, 0, tau), -Inf, Inf, rel.tol = 1e-10)$value)

# Check by simulation: the mixed model with no smoking effect is the truth (R's simulate() draws the
# children and their answers); how often does each model call smoking significant (Wald p < 0.05)?
nsim <- 400
set.seed(2026)
truth <- fixef(mixed)
truth["smoke"] <- 0
sims <- simulate(mixed, nsim = nsim, newparams = list(beta = truth, theta = getME(mixed, "theta")))
p_smoke <- function(fit) coef(summary(fit))["smoke", 4]
rejected <- sapply(sims, function(y) {
  d <- transform(ohio, y = y)
  c(mixed = suppressWarnings(p_smoke(glmer(y ~ age + smoke + (1 | id), family = binomial, data = d))) < 0.05,
    plain = p_smoke(glm(y ~ age + smoke, family = binomial, data = d)) < 0.05)
})

res <- list(
  lme4 = as.character(packageVersion("lme4")), nobs = nobs(mixed), nchildren = nlevels(ohio$id),
  glmer = c(coefs(fe), list(logLik = as.numeric(logLik(mixed)), deviance = deviance(mixed), AIC = AIC(mixed),
            theta = unname(getME(mixed, "theta")), variance = vc$vcov[1], sd = vc$sdcor[1])),
  odds_ratios = odds,
  glm = c(coefs(coef(summary(plain))), list(logLik = as.numeric(logLik(plain)))),
  lpm = c(coefs(coef(summary(lpm))), list(variance = as.data.frame(VarCorr(lpm))$vcov,
          fitted_range = range(fitted(lpm)))),
  ranef = list(levels = rownames(re), mode = unname(re[[1]]), condsd = unname(sqrt(attr(re, "postVar")[1, 1, ]))),
  predict = list(known_id = "482", known_response = unname(predict(mixed, known, type = "response")),
                 known_link = unname(predict(mixed, known)),
                 new_smoke = new$smoke, new_typical = unname(predict(mixed, new, re.form = NA, type = "response")),
                 new_averaged = averaged,
                 glm_response = unname(predict(plain, new, type = "response"))),
  simulation = list(nsim = nsim, seed = 2026, null_term = "smoke",
                    false_positive_mixed = mean(rejected["mixed", ]),
                    false_positive_plain = mean(rejected["plain", ]))
)
write(toJSON(res, auto_unbox = TRUE, digits = NA, pretty = TRUE), args[1])
