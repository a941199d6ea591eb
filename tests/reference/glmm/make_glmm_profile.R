# Profile-likelihood intervals of every parameter (the random effects' SDs and correlations, then the
# fixed effects) by lme4's confint(m, method = "profile"), for the models in specs.json marked
# "profile_variance": true. One <id>.profile.json per model. Run where data.py wrote the CSV files:
#   Rscript make_glmm_profile.R specs.json OUTDIR [ID ...]   (IDs: only those models)
suppressMessages({library(lme4); library(jsonlite)})
args <- commandArgs(trailingOnly=TRUE)
specs <- fromJSON(args[1], simplifyVector=FALSE)
outdir <- args[2]
only <- args[-(1:2)]
factors <- list(cbpp=c("herd", "period"), grouseticks=c("INDEX", "BROOD", "YEAR", "LOCATION"), ohio="id",
                Contraception=c("woman", "district"), VerbAgg="id")
# lme4's confint() reads each end off a spline through the profile's points; where that spline is poor
# (confint warns "bad spline fit ...: falling back to linear interpolation") its ends are off the profile.
# check_ends() evaluates the profile's zeta exactly at each variance parameter's ends (devfun2, the other
# parameters re-optimized by bobyqa) and, where it misses the normal quantile by more than 1e-3, finds
# the end by root finding on that exact zeta: "lower_exact" and "upper_exact" (level 0.95).
exact_zeta <- function(dd, opt, base, i, v) {
  lo <- ifelse(grepl("^sd_", names(opt)), 0, ifelse(grepl("^cor_", names(opt)), -1, -Inf))
  hi <- ifelse(grepl("^cor_", names(opt)), 1, Inf)
  f <- function(p) { q <- opt; q[i] <- v; q[-i] <- p; dd(q) }
  start <- pmin(pmax(opt[-i], lo[-i]), hi[-i])
  r <- minqa::bobyqa(start, f, lower=lo[-i], upper=hi[-i], control=list(rhobeg=0.02, rhoend=1e-8, maxfun=20000))
  sign(v - opt[i]) * sqrt(max(r$fval - base, 0))
}
check_ends <- function(m, ci, z) {
  dd <- lme4:::devfun2(m, useSc=FALSE, signames=FALSE)
  opt <- attr(dd, "optimum"); base <- dd(opt)
  nv <- length(getME(m, "theta"))
  ends <- unname(ci[seq_len(nv), , drop=FALSE]); zeta <- ends; exact <- ends
  for (i in seq_len(nv)) for (k in 1:2) {
    v <- ends[i, k]; bound <- if (k == 1) (if (grepl("^cor_", names(opt)[i])) -1 else 0) else 1
    if (is.na(v) || v == bound) { zeta[i, k] <- NA; next }
    zeta[i, k] <- exact_zeta(dd, opt, base, i, v)
    if (abs(abs(zeta[i, k]) - z) > 1e-3) {
      w <- abs(v - opt[i])
      exact[i, k] <- uniroot(function(x) abs(exact_zeta(dd, opt, base, i, x)) - z,
                             sort(c(v, v + 0.05 * w * sign(abs(zeta[i, k]) - z) * sign(opt[i] - v))),
                             extendInt="yes", tol=1e-9)$root
    }
  }
  list(zeta_at_ends=zeta, lower_exact=exact[, 1], upper_exact=exact[, 2])
}
for (s in specs) {
  if (!isTRUE(s$profile_variance) || (length(only) && !(s$id %in% only))) next
  d <- read.csv(paste0(s$data, ".csv"), stringsAsFactors=TRUE, na.strings=c("NA", ""))
  for (f in factors[[s$data]]) d[[f]] <- factor(d[[f]])
  env <- new.env(); assign(s$data, d, envir=env)
  fam <- if (is.null(s$link)) as.name(s$family) else call(s$family, link=s$link)
  nagq <- if (is.null(s$nAGQ)) 1L else as.integer(s$nAGQ)
  call <- substitute(glmer(F, data=D, family=FAM, nAGQ=A),
                     list(F=as.formula(s$formula), D=as.name(s$data), FAM=fam, A=nagq))
  if (!is.null(s$weights)) call$weights <- as.name(s$weights)
  # "profile_optimizer": glmer's default (nloptwrap) can stop a variance just short of 0 (cbpp_singular: the
  # period SD at 3.2e-5), where profile() then stops with "profiling detected new, lower deviance".
  if (!is.null(s$profile_optimizer)) call$control <- call("glmerControl", optimizer=s$profile_optimizer)
  m <- suppressWarnings(suppressMessages(eval(call, env)))
  warns <- character()
  t0 <- Sys.time()
  pr <- withCallingHandlers(profile(m),
    warning=function(w) { warns <<- c(warns, conditionMessage(w)); invokeRestart("muffleWarning") })
  seconds <- as.numeric(difftime(Sys.time(), t0, units="secs"))
  levels <- c(0.95, 0.9)
  cis <- lapply(levels, function(l) withCallingHandlers(confint(pr, level=l),
    warning=function(w) { warns <<- c(warns, conditionMessage(w)); invokeRestart("muffleWarning") }))
  res <- list(id=s$id, formula=s$formula, family=s$family, nAGQ=nagq, optimizer=m@optinfo$optimizer, lme4=as.character(packageVersion("lme4")),
    names=c(unname(lme4:::profnames(m, useSc=FALSE, signames=FALSE)), names(fixef(m))), old_names=rownames(cis[[1]]),
    estimate=unname(c(as.data.frame(VarCorr(m), order="lower.tri")$sdcor, fixef(m))),
    level=levels,
    lower=lapply(cis, function(ci) unname(ci[, 1])), upper=lapply(cis, function(ci) unname(ci[, 2])),
    check=check_ends(m, cis[[1]], qnorm(0.975)), theta=unname(getME(m, "theta")), deviance=deviance(m), warnings=unique(warns),
    lme4_profile_seconds=seconds)
  write(toJSON(res, auto_unbox=TRUE, digits=NA, na="null", pretty=TRUE), file.path(outdir, paste0(s$id, ".profile.json")))
  cat(s$id, "profiled in", seconds, "s\n")
}
